import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { ReportLibrary } from '../../src/reports/library.ts';
import { Ingestor } from '../../src/reports/ingest.ts';
import { createStore, type Store } from '../../src/store/index.ts';
import type { Report } from '../../src/reports/types.ts';
import type { SafeFetcher } from '../../src/net/safe-fetch.ts';

export const logger = createLogger('silent');

export function mutableClock(start = new Date('2025-03-01T09:00:00Z')) {
  let now = start;
  return { now: () => now, set: (d: Date) => void (now = d), advance: (ms: number) => void (now = new Date(now.getTime() + ms)) };
}

export function tempDir(prefix = 'sitrep-reports-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', FETCH_ALLOW_PRIVATE: 'true', FETCH_TIMEOUT_MS: '2000', ...env });
}

export interface Harness {
  dir: string;
  store: Store;
  clock: ReturnType<typeof mutableClock>;
  config: Config;
  reports: ReportLibrary;
  ingest: Ingestor;
  close(): Promise<void>;
}

/** A library + ingestor on a real SQLite file in a temp folder. */
export async function harness(env: Record<string, string> = {}, opts: { fetcher?: SafeFetcher; dir?: string } = {}): Promise<Harness> {
  const tmp = opts.dir ? { dir: opts.dir, cleanup() {} } : tempDir();
  const config = testConfig({ STORE_URL: `sqlite://${join(tmp.dir, 'sitrep.sqlite')}`, ...env });
  const store = await createStore(config.STORE_URL);
  const clock = mutableClock();
  const reports = new ReportLibrary({ store, logger, clock });
  await reports.load();
  const ingest = new Ingestor({ config, logger, clock, reports, ...(opts.fetcher ? { fetcher: opts.fetcher } : {}) });
  return {
    dir: tmp.dir,
    store,
    clock,
    config,
    reports,
    ingest,
    async close() {
      await ingest.fetcher.close();
      await store.close();
      tmp.cleanup();
    },
  };
}

let counter = 0;
/** A minimal valid report for library tests. */
export function makeReport(overrides: Partial<Report> = {}): Report {
  counter++;
  const text = overrides.text ?? `Body text number ${counter} about regional security.`;
  return {
    id: `report-${counter}`,
    title: `Report ${counter}`,
    source: 'Test Source',
    authors: [],
    tags: [],
    regions: [],
    sections: [{ heading: null, paragraphs: [text] }],
    text,
    contentHash: `hash-${counter}`,
    ingestedAt: '2025-03-01T09:00:00.000Z',
    updatedAt: '2025-03-01T09:00:00.000Z',
    origin: { kind: 'file', path: `/reports/${counter}.md` },
    ...overrides,
  };
}
