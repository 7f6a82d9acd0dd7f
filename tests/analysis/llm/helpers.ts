import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type Config } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { contentHash, parseReportFile } from '../../../src/reports/parsers/index.ts';
import type { Report, ReportSection } from '../../../src/reports/types.ts';
import { createStore, type Store } from '../../../src/store/index.ts';

export const SEED = new URL('../../fixtures/reports/specialeurasia-china-russia-belarus-defence-2023.txt', import.meta.url).pathname;

export const seedReport = (): Promise<Report> => parseReportFile(SEED, new Date('2026-01-01T00:00:00Z'));

export const silentLogger = createLogger('silent');

/** A config pointing at the loopback model server, with short timeouts and no retries unless overridden. */
export function llmConfig(baseURL: string | undefined, env: Record<string, string> = {}): Config {
  return configSchema.parse({
    STORE_URL: 'sqlite://:memory:',
    OPENAI_API_KEY: baseURL ? 'test' : undefined,
    OPENAI_BASE_URL: baseURL,
    OPENAI_MODEL: 'test-model',
    LLM_TIMEOUT_MS: '2000',
    LLM_MAX_RETRIES: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** A report built directly from sections (text, hash and dates derived). */
export function makeReport(id: string, title: string, sections: ReportSection[]): Report {
  const text = sections.map((s) => [s.heading, ...s.paragraphs].filter(Boolean).join('\n\n')).join('\n\n');
  return {
    id,
    title,
    source: 'Test Institute',
    authors: [],
    tags: [],
    regions: [],
    sections,
    text,
    contentHash: contentHash(title, text),
    ingestedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    origin: { kind: 'file', path: `${id}.md` },
  };
}

const PLACES = [
  'Armenia',
  'Azerbaijan',
  'Georgia',
  'Kazakhstan',
  'Uzbekistan',
  'Turkmenistan',
  'Kyrgyzstan',
  'Tajikistan',
  'Mongolia',
  'Moldova',
  'Serbia',
  'Hungary',
];
const TOPICS = [
  'rail corridors',
  'grain exports',
  'gas pipelines',
  'border demarcation',
  'arms purchases',
  'port concessions',
  'water sharing',
  'sanctions evasion',
  'election monitoring',
  'cyber defence',
];

/** A long report of distinct, checkable sentences across many sections (for map-reduce). */
export function longReport(sections = 12, paragraphsPerSection = 3): Report {
  const out: ReportSection[] = [];
  for (let s = 0; s < sections; s++) {
    const place = PLACES[s % PLACES.length]!;
    const paragraphs: string[] = [];
    for (let p = 0; p < paragraphsPerSection; p++) {
      const topic = TOPICS[(s + p) % TOPICS.length]!;
      paragraphs.push(
        [
          `In ${2010 + s + p}, the government of ${place} opened negotiations on ${topic} with its neighbours, according to officials in the capital.`,
          `Analysts in ${place} argue that progress on ${topic} depends on financing from regional development banks and on domestic political stability.`,
          `The opposition in ${place} criticised the talks on ${topic} as opaque, demanding that parliament review every agreement signed in round ${p + 1}.`,
          `Observers expect the next round on ${topic} to test whether ${place} can balance its relations with larger powers.`,
        ].join(' '),
      );
    }
    out.push({ heading: `${place} and ${TOPICS[s % TOPICS.length]}`, paragraphs });
  }
  return makeReport('long-report', 'Regional negotiations across Eurasia', out);
}

export interface TempStore {
  url: string;
  open(): Promise<Store>;
  cleanup(): void;
}

/** A real SQLite file in a temp dir that can be opened, closed and reopened (restart). */
export function tempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'sitrep-llm-'));
  const url = `sqlite://${join(dir, 'store.sqlite')}`;
  return { url, open: () => createStore(url), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
