/**
 * Dates as pages print them beyond English: month names in the major European languages, CJK
 * "2024年3月19日", German "08.04.2024, 16.20 Uhr", "20240416" (NYT's pdate), and numeric dates whose
 * day/month order is settled by a printed weekday ("Wed, 11/06/2024"). No library does this set for
 * printed (not machine) dates without pulling in locale data for every language, so it is written here.
 * Date-only values become UTC midnight so the calendar day never shifts with the host zone.
 */

/** Month names (and common abbreviations) by month index, lower case, accents kept; Russian, Turkish and Arabic too. */
const MONTH_WORDS: Array<[number, string[]]> = [
  [
    0,
    [
      'january',
      'jan',
      'januar',
      'jänner',
      'janvier',
      'janv',
      'enero',
      'ene',
      'gennaio',
      'gen',
      'janeiro',
      'januari',
      'styczeń',
      'stycznia',
      'январь',
      'января',
      'янв',
      'ocak',
      'يناير',
      'كانون الثاني',
    ],
  ],
  [
    1,
    [
      'february',
      'feb',
      'februar',
      'février',
      'févr',
      'fevrier',
      'febrero',
      'febbraio',
      'fevereiro',
      'fev',
      'februari',
      'luty',
      'lutego',
      'февраль',
      'февраля',
      'фев',
      'şubat',
      'subat',
      'فبراير',
      'شباط',
    ],
  ],
  [2, ['march', 'mar', 'märz', 'maerz', 'mars', 'marzo', 'março', 'marco', 'maart', 'mrt', 'marzec', 'marca', 'март', 'марта', 'mart', 'مارس', 'آذار']],
  [
    3,
    ['april', 'apr', 'avril', 'avr', 'abril', 'abr', 'aprile', 'kwiecień', 'kwietnia', 'апрель', 'апреля', 'апр', 'nisan', 'أبريل', 'ابريل', 'إبريل', 'نيسان'],
  ],
  [4, ['may', 'mai', 'mayo', 'maggio', 'mag', 'maio', 'mei', 'maj', 'maja', 'мая', 'май', 'mayıs', 'mayis', 'مايو', 'أيار']],
  [5, ['june', 'jun', 'juni', 'juin', 'junio', 'giugno', 'giu', 'junho', 'czerwiec', 'czerwca', 'июнь', 'июня', 'haziran', 'يونيو', 'يونيه', 'حزيران']],
  [6, ['july', 'jul', 'juli', 'juillet', 'juil', 'julio', 'luglio', 'lug', 'julho', 'lipiec', 'lipca', 'июль', 'июля', 'temmuz', 'يوليو', 'يوليه', 'تموز']],
  [
    7,
    [
      'august',
      'aug',
      'août',
      'aout',
      'agosto',
      'ago',
      'augustus',
      'sierpień',
      'sierpnia',
      'август',
      'августа',
      'авг',
      'ağustos',
      'agustos',
      'أغسطس',
      'اغسطس',
      'آب',
    ],
  ],
  [
    8,
    [
      'september',
      'sep',
      'sept',
      'septembre',
      'septiembre',
      'setiembre',
      'settembre',
      'set',
      'setembro',
      'wrzesień',
      'września',
      'сентябрь',
      'сентября',
      'сен',
      'eylül',
      'eylul',
      'سبتمبر',
      'أيلول',
    ],
  ],
  [
    9,
    [
      'october',
      'oct',
      'oktober',
      'okt',
      'octobre',
      'octubre',
      'ottobre',
      'ott',
      'outubro',
      'out',
      'październik',
      'października',
      'октябрь',
      'октября',
      'окт',
      'ekim',
      'أكتوبر',
      'اكتوبر',
      'تشرين الأول',
    ],
  ],
  [
    10,
    ['november', 'nov', 'novembre', 'noviembre', 'novembro', 'listopad', 'listopada', 'ноябрь', 'ноября', 'ноя', 'kasım', 'kasim', 'نوفمبر', 'تشرين الثاني'],
  ],
  [
    11,
    [
      'december',
      'dec',
      'dezember',
      'dez',
      'décembre',
      'decembre',
      'déc',
      'diciembre',
      'dic',
      'dicembre',
      'dezembro',
      'grudzień',
      'grudnia',
      'декабрь',
      'декабря',
      'дек',
      'aralık',
      'aralik',
      'ديسمبر',
      'كانون الأول',
    ],
  ],
];
const MONTH_BY_WORD = new Map(MONTH_WORDS.flatMap(([index, words]) => words.map((w) => [w, index] as const)));
const MONTH = `(${[...MONTH_BY_WORD.keys()].sort((a, b) => b.length - a.length).join('|')})\\.?`;

/** Weekday names → 0 (Sunday) … 6, for checking day/month order. English, German, French, Spanish. */
const WEEKDAYS: Record<string, number> = {
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
  so: 0,
  mo: 1,
  di: 2,
  mi: 3,
  do: 4,
  fr: 5,
  sa: 6,
  dim: 0,
  lun: 1,
  mar: 2,
  mer: 3,
  jeu: 4,
  ven: 5,
  sam: 6,
};

function utcDate(year: number, month: number, day: number): string | undefined {
  if (month < 0 || month > 11 || day < 1 || day > 31 || year < 1900 || year > 2200) return undefined;
  const d = new Date(Date.UTC(year, month, day));
  return d.getUTCMonth() === month ? d.toISOString() : undefined;
}

const monthOf = (word: string) => MONTH_BY_WORD.get(word.toLowerCase().replace(/\.$/, ''));

/** What may follow a date in a value that is only a date: a time of day, with its zone or "Uhr". */
const TIME_REST =
  /^\s*(?:[,–-]\s*)?(?:(?:à|a las|um|at|kl\.?)\s*)?(?:\d{1,2}\s*[:.h時]\s*\d{2}(?:\s*[:分]\s*\d{0,2})?\s*(?:秒|分)?\s*(?:uhr|h|am|pm|[ap]\.m\.)?(?:\s*\(?[A-Z]{2,5}\)?)?)?\s*$/i;

/** A printed date in one of the shapes above, or undefined. `s` is the whole value (already trimmed). */
export function localisedDate(s: string): string | undefined {
  const found = localisedStart(s);
  return found && TIME_REST.test(s.slice(found.length)) ? found.date : undefined;
}

/** The date a value starts with, and how many characters it took. */
function localisedStart(s: string): { date: string; length: number } | undefined {
  const at = (m: RegExpExecArray, date: string | undefined) => (date ? { date, length: m[0].length } : undefined);
  // 2024年3月19日 (Japanese, Chinese), 2024년 3월 19일 (Korean).
  let m = /^(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]/.exec(s);
  if (m) return at(m, utcDate(+m[1]!, +m[2]! - 1, +m[3]!));
  // 20240416
  m = /^((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)/.exec(s);
  if (m) return at(m, utcDate(+m[1]!, +m[2]! - 1, +m[3]!));
  // 08.04.2024 — dotted dates are day-first everywhere they are used.
  m = /^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b/.exec(s);
  if (m) return at(m, utcDate(+m[3]!, +m[2]! - 1, +m[1]!));
  // [Weekday,] 30. November 2022 / 14 mai 2024 / 5 de octubre de 2023
  m = new RegExp(`^(?:\\p{L}+\\.?,?\\s+)?(\\d{1,2})\\.?\\s+(?:de\\s+)?${MONTH}\\s+(?:de\\s+)?(\\d{4})\\b`, 'iu').exec(s);
  if (m && monthOf(m[2]!) !== undefined) return at(m, utcDate(+m[3]!, monthOf(m[2]!)!, +m[1]!));
  // [Weekday,] Month 5, 2024 (also other languages' month names)
  m = new RegExp(`^(?:\\p{L}+\\.?,?\\s+)?${MONTH}\\s+(\\d{1,2}),?\\s+(\\d{4})\\b`, 'iu').exec(s);
  if (m && monthOf(m[1]!) !== undefined) return at(m, utcDate(+m[3]!, monthOf(m[1]!)!, +m[2]!));
  // Wed, 11/06/2024: ambiguous numeric order settled by the weekday.
  m = /^(\p{L}{2,9})\.?,?\s+(\d{1,2})\/(\d{1,2})\/(\d{4})\b/u.exec(s);
  if (m) {
    const weekday = WEEKDAYS[m[1]!.toLowerCase().slice(0, 3)] ?? WEEKDAYS[m[1]!.toLowerCase().slice(0, 2)];
    const options = [utcDate(+m[4]!, +m[2]! - 1, +m[3]!), utcDate(+m[4]!, +m[3]! - 1, +m[2]!)].filter((d): d is string => Boolean(d));
    const matching = weekday === undefined ? [] : options.filter((d) => new Date(d).getUTCDay() === weekday);
    if (matching.length === 1) return at(m, matching[0]);
  }
  return undefined;
}

const DATE_PATTERNS = [
  /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?/,
  /\d{4}\s*[年년]\s*\d{1,2}\s*[月월]\s*\d{1,2}\s*[日일]/,
  new RegExp(`(?:\\p{L}+\\.?,?\\s+)?\\d{1,2}(?:st|nd|rd|th)?\\.?\\s+(?:de\\s+)?${MONTH}\\s+(?:de\\s+)?\\d{4}`, 'iu'),
  new RegExp(`(?:\\p{L}+\\.?,?\\s+)?${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}`, 'iu'),
  /\p{L}{2,9}\.?,?\s+\d{1,2}\/\d{1,2}\/\d{4}/u,
  /\b\d{4}[/.]\d{1,2}[/.]\d{1,2}\b/,
  /\b\d{1,2}\.\s?\d{1,2}\.\s?\d{4}\b/,
  /\b\d{1,2}\/\d{1,2}\/\d{4}\b/,
];

/**
 * The first date printed inside a longer text ("Published on 14 August 2023 by …", "Submitted by X on
 * Wed, 11/06/2024 - 09:30"), with the matched text. `parse` is the full date parser (parseDate).
 */
export function findDateIn(text: string, parse: (s: string) => string | undefined): { text: string; iso: string } | undefined {
  let best: { text: string; iso: string; index: number } | undefined;
  for (const pattern of DATE_PATTERNS) {
    const m = pattern.exec(text);
    if (!m) continue;
    // A leading word captured as a "weekday" may be any word ("on 14 May"): retry without it.
    const iso = parse(m[0]) ?? parse(m[0].replace(/^\p{L}+\.?,?\s+(?=\d)/u, ''));
    if (iso && (!best || m.index < best.index)) best = { text: m[0], iso, index: m.index };
  }
  return best && { text: best.text, iso: best.iso };
}

/**
 * An all-numeric date whose order only the page's language settles ("03/12/2024" is 3 December on a
 * French, German or British page, and undecidable on a page that says only "en" or nothing). Day first
 * everywhere but US English; year-first shapes are read by parseDate already.
 */
export function dayFirstNumericDate(text: string, lang: string | undefined): string | undefined {
  const tag = (lang ?? '').toLowerCase();
  if (!tag || tag === 'en' || tag === 'en-us' || !/^[a-z]{2,3}(-[a-z0-9]+)?$/.test(tag)) return undefined;
  const m = /(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})[/.-]((?:19|20)\d{2})(?![\d/.-])/.exec(text);
  return m ? utcDate(+m[3]!, +m[2]! - 1, +m[1]!) : undefined;
}

/** A date in a URL path: /2015/03/18/, /2023/nov/28/, /2024-03-05/ (never a bare year or year/month). */
export function dateInUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  let m = /\/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=[/_.-]|$)/.exec(path);
  if (m) return utcDate(+m[1]!, +m[2]! - 1, +m[3]!);
  m = new RegExp(`/((?:19|20)\\d{2})/${MONTH}/(0?[1-9]|[12]\\d|3[01])(?=/|$)`, 'i').exec(path);
  if (m && monthOf(m[2]!) !== undefined) return utcDate(+m[1]!, monthOf(m[2]!)!, +m[3]!);
  return undefined;
}
