/**
 * Write and read throughput of the SQLite store: the project's keyv adapter on better-sqlite3 (today's
 * store) against keyv over the legacy @keyv/sqlite adapter (driver `sqlite3`) that it replaced, both on a
 * WAL file with synchronous=NORMAL, in the same process, on the same rows (~1 KB JSON each).
 *
 *   npx tsx bench/store.ts [--rows 10000]
 * The legacy half runs only while @keyv/sqlite is installed (`npm install --no-save @keyv/sqlite@4`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Keyv from 'keyv';
import { createStore } from '../src/store/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const row = (i: number) => ({ id: `r${i}`, title: `Report ${i}`, text: `Paragraph ${i}. `.repeat(60).slice(0, 900), tags: ['a', 'b'] });

interface Figures {
  singleSets: number;
  batch: number;
  read: number;
}

async function timed(work: () => Promise<void>, count: number): Promise<number> {
  const t0 = performance.now();
  await work();
  return count / ((performance.now() - t0) / 1000);
}

async function measureNew(dir: string, rows: number): Promise<Figures> {
  const store = await createStore(`sqlite://${join(dir, 'new.sqlite')}`);
  const kv = store.kv('reports');
  const single = Math.min(rows, 2000);
  const singleSets = await timed(async () => {
    for (let i = 0; i < single; i++) await kv.set(`s${i}`, row(i));
  }, single);
  const entries = Array.from({ length: rows }, (_, i) => ({ key: `b${i}`, value: row(i) }));
  const batch = await timed(() => store.putMany('reports', entries), rows);
  let seen = 0;
  const read = await timed(async () => {
    for await (const page of store.scan('reports', { pageSize: 1000 })) seen += page.length;
  }, rows + single);
  if (seen !== rows + single) throw new Error(`new store read ${seen} rows, expected ${rows + single}`);
  await store.close();
  return { singleSets, batch, read };
}

async function measureLegacy(dir: string, rows: number): Promise<Figures | undefined> {
  const legacyPackage = '@keyv/sqlite'; // a variable, so the typecheck does not need the package
  const mod = (await import(legacyPackage).catch(() => undefined)) as
    | { default: new (o: object) => { query(sql: string): Promise<unknown>; disconnect(): Promise<void> } }
    | undefined;
  if (!mod) return undefined;
  const adapter = new mod.default({ uri: `sqlite://${join(dir, 'legacy.sqlite')}`, busyTimeout: 10_000, iterationLimit: 2_000 });
  await adapter.query('PRAGMA journal_mode=WAL');
  await adapter.query('PRAGMA synchronous=NORMAL');
  const kv = new Keyv({ store: adapter as never, namespace: 'reports', useKeyPrefix: true });
  const single = Math.min(rows, 2000);
  const singleSets = await timed(async () => {
    for (let i = 0; i < single; i++) await kv.set(`s${i}`, row(i));
  }, single);
  const entries = Array.from({ length: rows }, (_, i) => ({ key: `b${i}`, value: row(i) }));
  const batch = await timed(async () => void (await kv.setMany(entries)), rows);
  let seen = 0;
  const read = await timed(async () => {
    for await (const _ of (kv.iterator as unknown as () => AsyncGenerator<unknown>)()) seen++;
  }, rows + single);
  if (seen !== rows + single) throw new Error(`legacy store read ${seen} rows, expected ${rows + single}`);
  await adapter.disconnect();
  return { singleSets, batch, read };
}

export async function run(): Promise<void> {
  const rows = arg('rows', 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'sitrep-bench-store-'));
  try {
    const now = await measureNew(dir, rows);
    const legacy = await measureLegacy(dir, rows);
    const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')} rows/s`;
    const lines: Array<[string, keyof Figures]> = [
      ['kv.set, one awaited write at a time (2,000)', 'singleSets'],
      [`batch write of ${rows.toLocaleString('en-US')} (putMany | keyv setMany)`, 'batch'],
      ['read every row (scan | keyv iterator)', 'read'],
    ];
    console.log(`SQLite store, ${rows.toLocaleString('en-US')} rows of ~1 KB, WAL + synchronous=NORMAL`);
    for (const [label, key] of lines) {
      const ratio = legacy ? `  (${(now[key] / legacy[key]).toFixed(1)}×)` : '';
      console.log(
        `  ${label.padEnd(58)} better-sqlite3 ${fmt(now[key]).padStart(16)}${legacy ? ` | @keyv/sqlite ${fmt(legacy[key]).padStart(16)}` : ''}${ratio}`,
      );
    }
    if (!legacy) console.log('  (@keyv/sqlite is not installed: legacy figures skipped)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
