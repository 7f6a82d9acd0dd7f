/**
 * Report library benchmark: ingest 10,000 generated Markdown reports from a folder into SQLite through the
 * real path (Ingestor.ingestPath → parse → ReportLibrary.upsertMany → keyv/SQLite), then search them.
 * Side by side: a baseline that writes the same reports with a plain `await kv.set` loop, and a linear
 * substring scan as the search baseline. Targets: ≥2,000 reports/s, search p99 ≤20 ms, peak RSS ≤250 MB
 * (issue 9: text and sections stay in the store; the library holds metadata and the index).
 *
 *   npx tsx bench/ingest.ts [count]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { Ingestor } from '../src/reports/ingest.ts';
import { ReportLibrary } from '../src/reports/library.ts';
import type { Report } from '../src/reports/types.ts';
import { createStore } from '../src/store/index.ts';
import { scorePages } from './fidelity.ts';

const TARGET_RATE = 2_000;
const TARGET_P99_MS = 20;
const TARGET_RSS_MB = 250;

const ACTORS = [
  'Vladimir Putin',
  'Xi Jinping',
  'Recep Tayyip Erdoğan',
  'Narendra Modi',
  'Emmanuel Macron',
  'Olaf Scholz',
  'Volodymyr Zelensky',
  'Ali Khamenei',
  'Mohammed bin Salman',
  'Kim Jong Un',
  'Alexander Lukashenko',
  'Ilham Aliyev',
  'Nikol Pashinyan',
  'Kassym-Jomart Tokayev',
  'Shavkat Mirziyoyev',
  'Abiy Ahmed',
  'Assimi Goïta',
  'Ibrahim Traoré',
  'Javier Milei',
  'Lula da Silva',
  'Prabowo Subianto',
  'Ferdinand Marcos Jr',
  'Lai Ching-te',
  'Shigeru Ishiba',
  'Mark Rutte',
  'Antonio Guterres',
  'Sergei Lavrov',
  'Wang Yi',
  'Hakan Fidan',
  'Abbas Araghchi',
];
const PLACES = [
  'Russia',
  'China',
  'Turkey',
  'India',
  'France',
  'Germany',
  'Ukraine',
  'Iran',
  'Saudi Arabia',
  'North Korea',
  'Belarus',
  'Azerbaijan',
  'Armenia',
  'Kazakhstan',
  'Uzbekistan',
  'Ethiopia',
  'Mali',
  'Burkina Faso',
  'Argentina',
  'Brazil',
  'Indonesia',
  'Philippines',
  'Taiwan',
  'Japan',
  'the Netherlands',
  'Serbia',
  'Kosovo',
  'Georgia',
  'Moldova',
  'Syria',
  'Israel',
  'Egypt',
  'Pakistan',
  'Afghanistan',
  'Venezuela',
  'Cuba',
  'Poland',
  'Finland',
  'Estonia',
  'Greenland',
];
const TOPICS = [
  'energy security',
  'gas pipelines',
  'arms transfers',
  'sanctions evasion',
  'maritime security',
  'border disputes',
  'election interference',
  'nuclear programme',
  'critical minerals',
  'grain exports',
  'drone warfare',
  'cyber operations',
  'port investments',
  'debt diplomacy',
  'peacekeeping missions',
  'naval exercises',
  'refugee flows',
  'oil prices',
  'rare earths',
  'satellite launches',
];
const VERBS = ['signals', 'undermines', 'reinforces', 'complicates', 'accelerates', 'reshapes', 'tests', 'exposes', 'deepens', 'weakens'];
const ADJECTIVES = [
  'strategic',
  'regional',
  'long-running',
  'renewed',
  'fragile',
  'contested',
  'economic',
  'military',
  'diplomatic',
  'domestic',
  'bilateral',
  'multilateral',
  'sensitive',
  'public',
  'quiet',
  'uneven',
];
const CLAUSES = [
  'according to officials in the capital',
  'as negotiators prepare for another round of talks',
  'while markets react nervously',
  'despite warnings from neighbouring governments',
  'amid growing pressure from parliament',
  'after months of quiet diplomacy',
  'which analysts expect to shape the coming year',
  'as sanctions bite harder than expected',
  'even as both sides deny any change of course',
  'with little sign of compromise',
];
const SOURCES = [
  'SpecialEurasia',
  'Strategic Monitor',
  'Sahel Watch',
  'Nordic Security Review',
  'Pacific Strategy Institute',
  'Caucasus Monitor',
  'Arctic Affairs',
];

/** Deterministic pseudo-random numbers so every run ingests the same corpus. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function generate(count: number, dir: string): number {
  const rand = rng(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    // Reports have a focus (two countries, two leaders, one theme) that recurs, plus passing mentions of
    // others, so term frequencies look like a real analysis corpus rather than uniform noise.
    const a = pick(ACTORS);
    const b = pick(ACTORS);
    const p = pick(PLACES);
    const q = pick(PLACES);
    const t = pick(TOPICS);
    const focus = (xs: string[], main: string[]) => (rand() < 0.75 ? pick(main) : pick(xs));
    const sentence = () =>
      `${focus(ACTORS, [a, b])} ${pick(VERBS)} the ${pick(ADJECTIVES)} debate on ${focus(TOPICS, [t])} between ${focus(PLACES, [p, q])} and ${focus(PLACES, [p, q])}, ${pick(CLAUSES)}.`;
    const paragraph = () => Array.from({ length: 4 }, sentence).join(' ');
    const date = new Date(Date.UTC(2020, 0, 1) + Math.floor(rand() * 5 * 365) * 86_400_000).toISOString().slice(0, 10);
    const md = `---
id: bench-${i}
title: "${p} and ${q}: ${t} after the talks (${i})"
source: ${pick(SOURCES)}
authors: [${a}, ${b}]
publishedAt: ${date}
tags: [${t}]
regions: [${p}, ${q}]
---

${paragraph()}

## Background Information

${paragraph()}

${paragraph()}

## Geopolitical Scenario

${paragraph()}

${paragraph()}

${paragraph()}
`;
    const sub = join(dir, String(i % 50));
    if (i < 50) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `report-${i}.md`), md);
    bytes += md.length;
  }
  return bytes / count;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Peak RSS, with the breakdown (heap, external, array buffers) taken at the moment of the peak. */
function rssSampler() {
  let peak = process.memoryUsage();
  const sample = () => {
    const now = process.memoryUsage();
    if (now.rss > peak.rss) peak = now;
  };
  const timer = setInterval(sample, 20);
  return {
    peek() {
      sample();
      return peak.rss;
    },
    stop() {
      clearInterval(timer);
      sample();
      return peak.rss;
    },
    breakdown(): NodeJS.MemoryUsage {
      return peak;
    },
  };
}

const mb = (n: number) => n / 1024 / 1024;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function run(count = Number(process.argv[2]) || 10_000): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'sitrep-bench-ingest-'));
  const logger = createLogger('silent');
  const clock = { now: () => new Date() };
  try {
    const corpus = join(tmp, 'corpus');
    // Generated in a child process, so its garbage does not inflate this process's RSS.
    const avg = Number(
      execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--generate', corpus, String(count)], { encoding: 'utf8' }).trim(),
    );
    console.log(
      `corpus: ${fmt(count)} Markdown reports, ${fmt(avg / 1024, 1)} KB each on average; host: ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)}`,
    );
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;

    // --- Sitrep: the real ingestion path.
    const config = loadConfig({ STORE_URL: `sqlite://${join(tmp, 'sitrep.sqlite')}`, LOG_LEVEL: 'silent' });
    const store = await createStore(config.STORE_URL);
    const reports = new ReportLibrary({ store, logger, clock });
    await reports.load();
    const ingest = new Ingestor({ config, logger, clock, reports });
    const sampler = rssSampler();
    let started = performance.now();
    const cpuBefore = process.cpuUsage();
    const results = await ingest.ingestPath(corpus);
    const ingestMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const peakAfterIngest = sampler.peek();
    const atIngestPeak = sampler.breakdown();
    // The search index snapshot (for fast start-ups) is saved in the background after ingestion: timed apart.
    started = performance.now();
    await reports.flush();
    const snapshotMs = performance.now() - started;
    started = performance.now();
    const again = await ingest.ingestPath(corpus);
    const reingestMs = performance.now() - started;
    if (again.some((r) => r.status !== 'unchanged')) throw new Error('re-ingesting the unchanged corpus changed something');
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    if (results.length !== count || reports.count() !== count)
      throw new Error(`ingested ${results.length}, library holds ${reports.count()}, expected ${count}`);
    const rate = count / (ingestMs / 1000);

    // --- Search over the 10,000: Sitrep's index vs a linear substring scan.
    const rand = rng(7);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const queries = Array.from({ length: 1_000 }, (_, i) => {
      switch (i % 5) {
        case 0:
          return pick(ACTORS).split(' ').at(-1)!;
        case 1:
          return `${pick(PLACES)} ${pick(TOPICS)}`;
        case 2:
          return pick(ACTORS);
        case 3:
          return pick(TOPICS).slice(0, 6); // prefix, as typed into autocomplete
        default:
          return `${pick(PLACES)} ${pick(PLACES)}`;
      }
    });
    for (const q of queries.slice(0, 50)) reports.search(q); // warm up
    // Each query is timed three times and its best time kept as well: on a shared, busy host a single
    // preemption otherwise decides the p99. Both figures are printed.
    const indexTimes: number[] = [];
    const bestTimes: number[] = [];
    let hits = 0;
    for (const q of queries) {
      let best = Infinity;
      for (let round = 0; round < 3; round++) {
        const t0 = performance.now();
        const n = reports.search(q, { limit: 20 }).length;
        const ms = performance.now() - t0;
        if (round === 0) {
          hits += n;
          indexTimes.push(ms);
        }
        best = Math.min(best, ms);
      }
      bestTimes.push(best);
    }
    const suggestTimes: number[] = [];
    for (const q of queries) {
      const t0 = performance.now();
      reports.suggest(q.slice(0, 4));
      suggestTimes.push(performance.now() - t0);
    }
    const peakRss = sampler.stop();
    const atPeak = sampler.breakdown();
    global.gc?.();
    const settled = process.memoryUsage();

    // (after the peak-RSS window: the baselines need every report's text, which the library does not hold)
    const all = await reports.loadMany(reports.list().map((r) => r.id));
    const scanTimes: number[] = [];
    for (const q of queries.slice(0, 200)) {
      const terms = q.toLowerCase().split(/\s+/);
      const t0 = performance.now();
      all
        .filter((r) => {
          const hay = `${r.title}\n${r.text}`.toLowerCase();
          return terms.every((term) => hay.includes(term));
        })
        .slice(0, 20);
      scanTimes.push(performance.now() - t0);
    }
    await store.close();

    // --- Restart: how long loading 10,000 stored reports takes (start-up cost).
    const store2 = await createStore(config.STORE_URL);
    started = performance.now();
    const reloaded = new ReportLibrary({ store: store2, logger, clock });
    await reloaded.load();
    const loadMs = performance.now() - started;
    if (reloaded.count() !== count) throw new Error(`reloaded ${reloaded.count()} reports, expected ${count}`);
    if (reloaded.search('Putin').length === 0) throw new Error('reloaded index finds nothing');
    await reloaded.flush();
    // The same without the snapshot (deleted), as after an upgrade that changes indexing.
    await store2.kv('reports-index').delete('snapshot');
    started = performance.now();
    const cold = new ReportLibrary({ store: store2, logger, clock });
    await cold.load();
    const coldLoadMs = performance.now() - started;
    await cold.flush();
    // Baseline: only reading the rows through keyv's own iterator (what load did before), no index at all.
    started = performance.now();
    let iterated = 0;
    for await (const entry of (store2.kv('reports').iterator as unknown as () => AsyncGenerator<[string, unknown]>)()) if (entry[1]) iterated++;
    const keyvIterMs = performance.now() - started;
    if (iterated !== count) throw new Error(`keyv iterated ${iterated} reports, expected ${count}`);
    await store2.close();

    // --- Baseline ingest: the same parsed reports written with a plain keyv set loop (no parsing, no index).
    const parsed: Report[] = all;
    const baseStore = await createStore(`sqlite://${join(tmp, 'baseline.sqlite')}`);
    const kv = baseStore.kv<Report>('reports');
    started = performance.now();
    for (const r of parsed) await kv.set(r.id, r);
    const baselineMs = performance.now() - started;
    await baseStore.close();
    const baselineRate = count / (baselineMs / 1000);

    indexTimes.sort((a, b) => a - b);
    bestTimes.sort((a, b) => a - b);
    scanTimes.sort((a, b) => a - b);
    suggestTimes.sort((a, b) => a - b);
    const p50 = percentile(indexTimes, 50);
    const p99 = percentile(indexTimes, 99);
    const scanP50 = percentile(scanTimes, 50);
    const scanP99 = percentile(scanTimes, 99);

    // Parsing accuracy on the fixture pages (bench/fidelity.ts), so a change that buys speed with accuracy
    // shows here too (issue 11). After every measurement above: its pages are not part of the RSS window.
    const fidelity = scorePages();
    const share = (n: number) => `${n}/${fidelity.pages} (${fmt((n / Math.max(1, fidelity.pages)) * 100)}%)`;

    const rows: Array<[string, string, string, string]> = [
      ['ingest (parse+index+SQLite)', `${fmt(rate)} reports/s`, `≥ ${fmt(TARGET_RATE)}`, `${fmt(rate / TARGET_RATE, 2)}× target`],
      [
        'ingest per CPU-second, all threads',
        `${fmt(count / cpuSeconds)} reports/s`,
        `≥ ${fmt(TARGET_RATE)}`,
        `${fmt(count / cpuSeconds / TARGET_RATE, 2)}× target`,
      ],
      ['  baseline: await kv.set loop', `${fmt(baselineRate)} reports/s`, '', `sitrep = ${fmt(rate / baselineRate, 2)}× baseline`],
      ['search p50 (MiniSearch)', `${fmt(p50, 2)} ms`, '', `${fmt(scanP50 / p50, 1)}× faster than scan`],
      ['search p99 (MiniSearch)', `${fmt(p99, 2)} ms`, `≤ ${TARGET_P99_MS} ms`, `${fmt(p99 / TARGET_P99_MS, 3)}× limit`],
      [
        'search p50/p99, best of 3 per query',
        `${fmt(percentile(bestTimes, 50), 2)} / ${fmt(percentile(bestTimes, 99), 2)} ms`,
        `≤ ${TARGET_P99_MS} ms`,
        `${fmt(percentile(bestTimes, 99) / TARGET_P99_MS, 3)}× limit`,
      ],
      ['  baseline: substring scan p50/p99', `${fmt(scanP50, 2)} / ${fmt(scanP99, 2)} ms`, '', `${fmt(scanP99 / p99, 1)}× slower at p99`],
      ['suggest p99 (autocomplete)', `${fmt(percentile(suggestTimes, 99), 2)} ms`, '', ''],
      [
        'peak RSS during ingest',
        `${fmt(mb(peakAfterIngest))} MB`,
        `≤ ${TARGET_RSS_MB} MB`,
        `${fmt(mb(peakAfterIngest) / TARGET_RSS_MB, 2)}× limit (process was ${fmt(mb(rssBefore))} MB before)`,
      ],
      ['peak RSS during ingest+search', `${fmt(mb(peakRss))} MB`, `≤ ${TARGET_RSS_MB} MB`, `${fmt(mb(peakRss) / TARGET_RSS_MB, 2)}× limit`],
      ['  index snapshot saved after ingest', `${fmt(snapshotMs)} ms`, '', 'in the background, not counted in the rate'],
      [
        'reload 10k from SQLite (start-up)',
        `${fmt(loadMs)} ms`,
        '',
        `rows + index ready in ${fmt(loadMs / keyvIterMs, 1)}× the time keyv's iterator takes to read the rows alone`,
      ],
      ['  reload without the snapshot', `${fmt(coldLoadMs)} ms`, '', 'full re-index: first start after the snapshot is lost or stale'],
      ['  baseline: keyv iterator, no index', `${fmt(keyvIterMs)} ms`, '', 'what load() used to read rows with'],
      ['re-ingest the unchanged folder', `${fmt(reingestMs)} ms`, '', `${fmt(ingestMs / reingestMs, 1)}× faster than the first ingest`],
      [
        'parse fidelity: title / authors / date',
        `${share(fidelity.title)} / ${share(fidelity.authors)} / ${share(fidelity.date)}`,
        '',
        'bench/fidelity.ts over tests/fixtures/pages',
      ],
    ];
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) console.log(`${r[0].padEnd(widths[0]!)}  ${r[1].padStart(widths[1]!)}  ${r[2].padEnd(widths[2]!)}  ${r[3]}`);
    const parts = (m: NodeJS.MemoryUsage) =>
      `rss ${fmt(mb(m.rss))} MB = main-thread heap ${fmt(mb(m.heapTotal))} MB (used ${fmt(mb(m.heapUsed))}) + external ${fmt(mb(m.external))} MB (array buffers ${fmt(mb(m.arrayBuffers))}) + the rest ${fmt(mb(m.rss - m.heapTotal - m.external))} MB (code, worker threads, SQLite, allocator)`;
    console.log(`memory at the ingest peak:        ${parts(atIngestPeak)}`);
    console.log(`memory at the ingest+search peak: ${parts(atPeak)}`);
    console.log(`memory after search${global.gc ? ' (after a full GC)' : ''}:    ${parts(settled)}`);
    console.log(`(${fmt(hits / queries.length, 1)} hits per query on average; ${fmt(ingestMs / 1000, 2)} s to ingest ${fmt(count)} reports)`);
    const pass = rate >= TARGET_RATE && p99 <= TARGET_P99_MS && mb(peakRss) <= TARGET_RSS_MB; // wall-clock rate: the strict reading
    console.log(pass ? 'all targets met' : 'TARGET MISSED');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--generate') {
  process.stdout.write(String(generate(Number(process.argv[4]), process.argv[3]!)));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
