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

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;

/** Lower-cased word tokens, as they appear. */
export function words(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).map((w) => w.replace(/['’]s$/, '').replace(/['’-]+$/, ''));
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

/** Content terms of a text: stemmed, stop words and one-letter tokens removed. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    if (w.length < 2 || STOP_WORDS.has(w) || /^\d+$/.test(w)) continue;
    out.push(stem(w));
  }
  return out;
}

/** Damerau variant (adjacent transposition counts as one edit): "Minks" → "Minsk" is distance 1. */
export function damerauDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
  }
  return d[a.length]![b.length]!;
}
