import { detect } from 'tinyld';
import type { Report } from '../../reports/types.ts';
import languagesData from './data/languages.json' with { type: 'json' };

/**
 * Which language's rules the offline engine applies. The report's own `language` (set at ingestion by the
 * fidelity work) wins; otherwise tinyld guesses from the opening of the text. English rules always apply
 * as well (reports in other languages still name NATO, Hamas or the Houthis in English).
 */

interface LanguageData {
  iso3: string;
  functionWords: string[];
  roleHeads: string[];
  roleModifiers: string[];
  organisations: Record<string, string[]>;
  /** Short forms, capitals and seats by ISO alpha-2 code ("Stati Uniti", "Mosca"). */
  stateAliases?: Record<string, string[]>;
}

const DATA = languagesData.languages as Record<string, LanguageData>;
/** Languages with offline rules: English plus every language in data/languages.json. */
export const RULE_LANGUAGES: readonly string[] = ['en', ...Object.keys(DATA)];
/** Enough text for tinyld to be sure (it is ~1 ms per 1,000 characters); the title alone is too short. */
const SAMPLE_CHARS = 700;
const detected = new WeakMap<object, string>();

export function languageData(lang: string): LanguageData | undefined {
  return DATA[lang];
}

/** ISO 639-1 code of the report's language ("en", "fr", …), or "und" when it cannot be told. */
export function reportLanguage(report: Pick<Report, 'title' | 'text'> & { language?: string }): string {
  const given = report.language?.trim().toLowerCase().split(/[-_]/)[0];
  if (given && /^[a-z]{2,3}$/.test(given) && given !== 'und') return given;
  const memo = detected.get(report);
  if (memo) return memo;
  const sample = `${report.title}\n${report.text}`.slice(0, SAMPLE_CHARS);
  const lang = /\p{L}/u.test(sample) ? detect(sample) || 'und' : 'und';
  detected.set(report, lang);
  return lang;
}

export function hasRules(lang: string): boolean {
  return RULE_LANGUAGES.includes(lang);
}

const functionWordCache = new Map<string, Set<string>>();
/** Lower-cased function words of a language (empty for English, whose stop words live in text.ts). */
export function functionWords(lang: string): Set<string> {
  let set = functionWordCache.get(lang);
  if (!set) functionWordCache.set(lang, (set = new Set(DATA[lang]?.functionWords ?? [])));
  return set;
}

/** Role heads and modifiers of every supported language: titles are rare words elsewhere, so one set serves all. */
export const FOREIGN_ROLE_HEADS = new Set(Object.values(DATA).flatMap((d) => d.roleHeads));
export const FOREIGN_ROLE_MODIFIERS = new Set(Object.values(DATA).flatMap((d) => d.roleModifiers));
