/**
 * A news dateline at the head of the lead: "LONDON —", "MOSCOW (AP) —", "KYIV, Ukraine (AP) —",
 * "WASHINGTON, March 3 (Reuters) -", "Vilnius (dpa) –", "Ciudad de México.–". It is where and by whom the
 * story was filed, not a sentence of it: left in, "LONDON" reads as an actor and opens every summary.
 * A place in ordinary case needs an agency in brackets or the "Place.–" form, so a lead that begins
 * "Analysts — many of them…" is left alone.
 */
const AGENCY = String.raw`\((?:AP|AFP|Reuters|dpa|epd|KNA|APA|SDA|ANSA|EFE|Xinhua|Kyodo|Jiji|Yonhap|PTI|IANS|ANI|TASS|RIA|Interfax|AA|Anadolu|Bernama|Antara|UPI|PA|CNN|Bloomberg|IPS|Europa Press|dpa-AFX|AFP/dpa|[A-Z][A-Za-z]{1,12}\s(?:News|Press))\)`;
const DATE = String.raw`(?:,\s*(?:\p{Lu}\p{Ll}{2,8}\.?\s+\d{1,2}|\d{1,2}\s+\p{Lu}\p{Ll}{2,8}\.?))`;
const CAPS_PLACE = String.raw`\p{Lu}[\p{Lu}.'’-]+(?:\s+\p{Lu}[\p{Lu}.'’-]+){0,3}`;
const REGION = String.raw`(?:,\s*\p{Lu}[\p{L}.'’-]+(?:\s+\p{Lu}[\p{L}.'’-]+){0,2})`;
const PLACE = String.raw`\p{Lu}[\p{L}.'’-]+(?:\s+(?:\p{Lu}[\p{L}.'’-]+|de|del|da|do|di|la|el|am|an|upon|sur|on))*`;
const DASH = String.raw`\s*(?:—|–|--|-)\s*`;

const PATTERNS = [
  // MOSCOW (AP) — / WASHINGTON, March 3 (Reuters) - / KYIV, Ukraine (AP) — / LONDON —
  new RegExp(String.raw`^(${CAPS_PLACE}${REGION}?${DATE}?(?:\s*${AGENCY})?)${DASH}(?=["“‘'(]?\p{Lu}|\d)`, 'u'),
  // Vilnius (dpa) – / Kyiv, March 3 (Reuters) -
  new RegExp(String.raw`^(${PLACE}${REGION}?${DATE}?\s*${AGENCY})${DASH}(?=["“‘'(]?\p{Lu}|\d)`, 'u'),
  // Ciudad de México.– / Bogotá.- (Spanish and Portuguese press)
  new RegExp(String.raw`^(${PLACE})\.\s?(?:—|–|-)\s*(?=["“‘'(]?\p{Lu})`, 'u'),
  // (Reuters) - … with no place
  new RegExp(String.raw`^(${AGENCY})${DASH}(?=["“‘'(]?\p{Lu})`, 'u'),
];

/** Splits a leading dateline off a paragraph. */
export function splitDateline(paragraph: string): { dateline?: string; text: string } {
  if (paragraph.length < 40) return { text: paragraph };
  for (const pattern of PATTERNS) {
    const m = pattern.exec(paragraph);
    if (!m) continue;
    const dateline = m[1]!.trim();
    const words = dateline
      .replace(/\(.*\)/, '')
      .split(/[\s,]+/)
      .filter(Boolean);
    // A place is a few words; an ALL-CAPS run longer than that is a shouted sentence, not a dateline.
    if (words.length > 7 || (words.length === 0 && !dateline.startsWith('('))) continue;
    return { dateline: dateline.replace(/\s+/g, ' '), text: paragraph.slice(m[0].length) };
  }
  return { text: paragraph };
}
