/**
 * Word-level helpers shared by the offline engine: tokenising, stop words, a light stemmer.
 *
 * The stemmer is deliberately tiny (plural/-ing/-ed/-ly folding): for sentence similarity it recovers most
 * of what Porter does for English news prose at a fraction of the cost, and the stemming packages on npm
 * arrive only as transitive dependencies of dev tools here.
 */

export const STOP_WORDS = new Set(
  (
    'a about above across after afterwards again against all almost alone along already also although always am among ' +
    'amongst an and another any anyhow anyone anything anyway anywhere are around as at be became because become becomes ' +
    'becoming been before beforehand behind being below beside besides between beyond both but by can cannot could did do ' +
    'does doing done down due during each either else elsewhere enough especially even ever every everyone everything ' +
    'everywhere except few for former formerly from further had has have having he hence her here hereafter hereby herein ' +
    'hers herself him himself his how however i if in indeed into is it its itself just last latter latterly least less ' +
    'made many may me meanwhile might more moreover most mostly much must my myself namely neither never nevertheless next ' +
    'no nobody none nor not nothing now nowhere of off often on once one only onto or other others otherwise our ours ' +
    'ourselves out over own per perhaps please put rather re same seem seemed seeming seems several she should since so ' +
    'some somehow someone something sometime sometimes somewhere still such than that the their theirs them themselves then ' +
    'thence there thereafter thereby therefore therein thereupon these they this those though through throughout thru thus ' +
    'to together too toward towards under until up upon us very via was we well were what whatever when whence whenever ' +
    'where whereafter whereas whereby wherein whereupon wherever whether which while whither who whoever whole whom whose ' +
    'why will with within without would yet you your yours yourself yourselves additionally particularly specifically ' +
    'also said says say according new like including within s t'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

/** Word count that also works for scripts written without spaces (about two characters per word). */
export function wordCount(text: string): number {
  let spaced = 0;
  let han = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || c === 9 || c === 10 || c === 13;
    if (!space && !inWord) spaced++;
    inWord = !space;
    if (c >= 0x3040 && c <= 0x9fff) han++;
  }
  return Math.max(spaced, Math.round(han / 2));
}

/** Lower-cased word tokens, as they appear. */
export function words(text: string): string[] {
  const out = text.toLowerCase().match(WORD) ?? [];
  for (let i = 0; i < out.length; i++) {
    const w = out[i]!;
    if (w.length > 2 && (w.endsWith("'s") || w.endsWith('’s'))) out[i] = w.slice(0, -2);
  }
  return out;
}

/** True when the word contains Chinese or Japanese characters (written without spaces). */
function hasHanOrKana(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 0x3040 && c <= 0x9fff) return HAN_OR_KANA.test(word);
  }
  return false;
}

/** Light English stemmer: folds plurals, -ing, -ed, -ly, -ies, -ation. Non-Latin words pass through. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || !/^[a-z-]+$/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  if (w.endsWith('ational')) w = `${w.slice(0, -7)}ate`;
  else if (w.endsWith('ation') && w.length > 7) w = w.slice(0, -5);
  else if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith('ly') && w.length > 4) w = w.slice(0, -2);
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  return w;
}

const HAN_OR_KANA = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** Content terms of a text: stemmed, stop words and one-letter tokens removed; Chinese/Japanese runs as character bigrams. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    if (hasHanOrKana(w)) {
      const chars = [...w];
      for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
      continue;
    }
    if (w.length < 2 || STOP_WORDS.has(w) || /^\d+$/.test(w)) continue;
    out.push(stem(w));
  }
  return out;
}
