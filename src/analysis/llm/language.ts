/**
 * Languages of the LLM engine: summaries are written in English unless the request names another locale
 * (a server's locale, say), and quotes always stay in the report's own language.
 */

/** Canonical BCP-47 tag of a requested summary locale, or undefined for English / nothing / an invalid tag. */
export function summaryLocale(locale: string | null | undefined): string | undefined {
  if (!locale) return undefined;
  let canonical: string | undefined;
  try {
    canonical = Intl.getCanonicalLocales(locale.trim().replace(/_/g, '-'))[0];
  } catch {
    return undefined;
  }
  if (!canonical || primaryLanguage(canonical) === 'en') return undefined;
  return languageName(canonical) ? canonical : undefined;
}

/** The primary language subtag, lower-cased: "pt-BR" → "pt". */
export function primaryLanguage(tag: string | null | undefined): string | undefined {
  const primary = tag?.trim().split(/[-_]/)[0]?.toLowerCase();
  return primary && /^[a-z]{2,3}$/.test(primary) ? primary : undefined;
}

const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** The language's English name for the prompt ("French", "Brazilian Portuguese"); undefined when unknown. */
export function languageName(tag: string): string | undefined {
  try {
    return names.of(tag);
  } catch {
    return undefined;
  }
}
