/**
 * Offline analysis benchmark: summary quality (ROUGE against author-written summaries), actor precision and
 * recall against hand labels, and speed — side by side with LEAD-2, node-summarizer, lexrank.js,
 * text-summarization and compromise. Run alone with `npx tsx bench/analysis.ts`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { l as rougeL, n as rougeN } from 'js-rouge';
import { extractActors } from '../src/analysis/offline/actors.ts';
import { OfflineAnalyzer } from '../src/analysis/offline/index.ts';
import { reportSentences } from '../src/analysis/sentences.ts';
import { parseReportFile } from '../src/reports/parsers/index.ts';
import type { Report, ReportSection } from '../src/reports/types.ts';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../', import.meta.url));
const SEED = 'tests/fixtures/reports/specialeurasia-china-russia-belarus-defence-2023.txt';
const FIXTURES = ['sahel-juntas-wagner', 'indo-pacific-aukus-quad', 'red-sea-houthis', 'gaza-ceasefire-diplomacy', 'ukraine-peace-talks'];
const SUMMARY_CUE = /^(?:in (?:summary|conclusion|sum)|to (?:conclude|sum up))\b/i;
const SUMMARY_HEADING = /^(?:key judge?ments?|summary|executive summary|bottom line|key findings)$/i;

type Summariser = (report: Report, body: string) => Promise<string[]>;

interface Row {
  name: string;
  cells: string[];
}

// ---------------------------------------------------------------------------------------------- helpers

const engine = new OfflineAnalyzer();

/** Body text as the npm peers see it: paragraphs separated by blank lines, no headings or metadata. */
function bodyText(report: Report): string {
  return report.sections.flatMap((s) => s.paragraphs).join('\n\n');
}

/**
 * The author's own summary, split off the report: an "In summary …" paragraph and what follows it in that
 * section, or a "Key Judgements"/"Summary" section. Returns the report without it and the reference text.
 */
function splitOffSummary(report: Report): { body: Report; reference: string } | undefined {
  const removed: string[] = [];
  const sections: ReportSection[] = [];
  for (const section of report.sections) {
    if (section.heading && SUMMARY_HEADING.test(section.heading.trim())) {
      removed.push(...section.paragraphs);
      continue;
    }
    const cut = section.paragraphs.findIndex((p) => SUMMARY_CUE.test(p.trim()));
    if (cut >= 0) {
      removed.push(...section.paragraphs.slice(cut));
      if (cut > 0) sections.push({ ...section, paragraphs: section.paragraphs.slice(0, cut) });
    } else sections.push(section);
  }
  if (removed.length === 0) return undefined;
  const reference = removed.join('\n').replace(/^\s*[-*•]\s+/gm, '');
  const body = { ...report, sections, text: sections.map((s) => [s.heading, ...s.paragraphs].filter(Boolean).join('\n\n')).join('\n\n') };
  return { body, reference };
}

function rouge(candidate: string, reference: string): { r1: number; r2: number; rl: number } {
  const c = candidate.toLowerCase();
  const r = reference.toLowerCase();
  return { r1: rougeN(c, r, { n: 1 }), r2: rougeN(c, r, { n: 2 }), rl: rougeL(c, r, {}) };
}

async function timeIt(fn: () => Promise<unknown> | unknown, budgetMs: number, maxRuns: number): Promise<number> {
  await fn(); // warm-up (JIT, lazy data)
  const times: number[] = [];
  const started = performance.now();
  while (times.length < maxRuns && performance.now() - started < budgetMs) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function fmt(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

function table(title: string, header: string[], rows: Row[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 0 ? r.name : r.cells[i - 1] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line([r.name, ...r.cells]));
}

// ------------------------------------------------------------------------------------------ summarisers

const ours: Summariser = async (report) => (await engine.summarise(report, { length: 'brief' })).sentences.map((s) => s.text);

const lead2: Summariser = async (report) =>
  reportSentences(report)
    .filter((s) => !s.boilerplate)
    .slice(0, 2)
    .map((s) => s.text);

const { SummarizerManager } = require('node-summarizer') as {
  SummarizerManager: new (text: string, n: number) => {
    getSummaryByFrequency(): { summary: string };
    getSummaryByRank(): Promise<{ summary: string | Error }>;
  };
};
/** node-summarizer glues its sentences together without spaces; put the spaces back for ROUGE. */
const respace = (s: string) => s.replace(/([.!?])(?=[A-Z“"])/g, '$1 ');
const nodeSummarizerFrequency: Summariser = async (_r, body) => [respace(new SummarizerManager(body, 2).getSummaryByFrequency().summary)];
const nodeSummarizerRank: Summariser = async (_r, body) => {
  const result = await new SummarizerManager(body, 2).getSummaryByRank();
  if (typeof result.summary !== 'string') throw result.summary;
  return [respace(result.summary)];
};

type LexRank = (text: string) => Array<Array<{ text: string; index: number; weight: number }>>;
/** lexrank.js ships no types; imported by name at run time. */
const lexrankModule = 'lexrank.js';
const lexrank = ((await import(lexrankModule)) as { default: LexRank }).default;
const lexrankJs: Summariser = async (_r, body) =>
  lexrank(body)
    .flat()
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .slice(0, 2)
    .sort((a, b) => a.index - b.index)
    .map((s) => s.text);

const textSummarization = require('text-summarization') as (opts: { text: string; numSentences: number }) => Promise<{ extractive: string[] }>;
const textSummarizationPeer: Summariser = async (_r, body) => (await textSummarization({ text: body, numSentences: 2 })).extractive;

const SUMMARISERS: Array<[string, Summariser]> = [
  ['sitrep offline', ours],
  ['LEAD-2', lead2],
  ['node-summarizer (frequency)', nodeSummarizerFrequency],
  ['node-summarizer (TextRank)', nodeSummarizerRank],
  ['lexrank.js', lexrankJs],
  ['text-summarization', textSummarizationPeer],
];

// ----------------------------------------------------------------------------------------------- actors

interface Label {
  name: string;
  aliases?: string[];
  type: string;
}
interface Labels {
  report: string;
  principal: Label[];
  acceptable: Label[];
}

function loadLabels(id: string): Labels {
  return JSON.parse(readFileSync(`${root}tests/fixtures/analysis/${id}.labels.json`, 'utf8')) as Labels;
}

const normalise = (s: string) =>
  s
    .replace(/[’']s$/i, '')
    .replace(/^the\s+/i, '')
    .replace(/[.,;:!?"“”()]+$/g, '')
    .replace(/[’]/g, "'")
    .trim()
    .toLowerCase();

/** Maps a surface string to a labelled actor name (by name or alias), if any. */
function labelMatcher(labels: Labels): (surface: string) => string | undefined {
  const index = new Map<string, string>();
  for (const l of [...labels.principal, ...labels.acceptable]) for (const a of [l.name, ...(l.aliases ?? [])]) index.set(normalise(a), l.name);
  return (surface) => index.get(normalise(surface));
}

function precisionRecall(top: string[], labels: Labels): { p: number; r: number } {
  const ok = new Set([...labels.principal, ...labels.acceptable].map((l) => l.name));
  const principal = new Set(labels.principal.map((l) => l.name));
  const p = top.length ? top.filter((n) => ok.has(n)).length / top.length : 0;
  const r = labels.principal.filter((l) => top.includes(l.name)).length / principal.size;
  return { p, r };
}

const nlp = require('compromise') as (text: string) => {
  people(): { out(f: 'array'): string[] };
  places(): { out(f: 'array'): string[] };
  organizations(): { out(f: 'array'): string[] };
};

/** compromise alone: the ten most frequent people/places/organisations, generously merged via the label aliases. */
function compromiseTop10(report: Report, labels: Labels): string[] {
  const match = labelMatcher(labels);
  const doc = nlp(`${report.title}\n\n${bodyText(report)}`);
  const counts = new Map<string, number>();
  for (const s of [...doc.people().out('array'), ...doc.places().out('array'), ...doc.organizations().out('array')]) {
    const key = match(s) ?? normalise(s);
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k]) => k);
}

const compromisePeople = (text: string): string[] =>
  nlp(text)
    .people()
    .out('array')
    .map((s) => s.replace(/[’']s$/, '').replace(/[.,;:]+$/, '').trim())
    .filter((s) => s.includes(' '));

// ---------------------------------------------------------------------------------------------- reports

async function loadFixture(path: string): Promise<Report> {
  return parseReportFile(`${root}${path}`, new Date('2026-01-01T00:00:00Z'));
}

/** A ≈10,000-word report: the seed and fixtures' sections repeated under numbered headings. */
function bigReport(parts: Report[]): Report {
  const sections: ReportSection[] = [];
  let words = 0;
  for (let round = 1; words < 10_000; round++) {
    for (const r of parts) {
      for (const s of r.sections) {
        sections.push({ heading: `Part ${round}: ${s.heading ?? r.title}`, paragraphs: s.paragraphs });
        words += s.paragraphs.join(' ').split(/\s+/).length;
      }
    }
  }
  const text = sections.map((s) => [s.heading, ...s.paragraphs].join('\n\n')).join('\n\n');
  return { ...parts[0]!, id: 'bench-10k', title: 'Ten thousand words of analysis', sections, text, contentHash: `bench-${words}` };
}

// --------------------------------------------------------------------------------------------------- run

export async function run(): Promise<void> {
  const seed = await loadFixture(SEED);
  const fixtures = await Promise.all(FIXTURES.map((id) => loadFixture(`tests/fixtures/analysis/${id}.txt`)));

  // Quality ---------------------------------------------------------------------------------------------
  const quality: Array<{ id: string; provenance: string; body: Report; reference: string }> = [];
  const seedSplit = splitOffSummary(seed)!;
  quality.push({ id: seed.id, provenance: "published (author's own 'In summary' paragraphs)", ...seedSplit });
  for (const r of fixtures) {
    const split = splitOffSummary(r);
    if (split) quality.push({ id: r.id, provenance: 'synthetic (our fixture; its Key Judgements/Summary section)', ...split });
  }
  const scores = new Map<string, Array<{ r1: number; r2: number; rl: number } | string>>();
  for (const [name, summarise] of SUMMARISERS) {
    const list: Array<{ r1: number; r2: number; rl: number } | string> = [];
    for (const q of quality) {
      try {
        const sentences = await summarise(q.body, bodyText(q.body));
        list.push(rouge(sentences.join(' '), q.reference));
      } catch (error) {
        list.push(`error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
    }
    scores.set(name, list);
  }
  console.log('Summary quality: ROUGE F1 (js-rouge, lower-cased) of BRIEF (2-sentence) summaries of the body, the author summary removed,');
  console.log('scored against that author summary.');
  quality.forEach((q, i) => {
    const oursScore = scores.get('sitrep offline')![i] as { r1: number; r2: number; rl: number };
    const rows: Row[] = SUMMARISERS.map(([name]) => {
      const s = scores.get(name)![i]!;
      if (typeof s === 'string') return { name, cells: [s, '', '', ''] };
      const ratio = s.r1 > 0 ? `${fmt(oursScore.r1 / s.r1, 2)}× / ${s.r2 > 0 ? fmt(oursScore.r2 / s.r2, 2) : '∞'}×` : '—';
      return { name, cells: [fmt(s.r1), fmt(s.r2), fmt(s.rl), name === 'sitrep offline' ? '—' : ratio] };
    });
    table(`${q.id} — reference: ${q.provenance}`, ['summariser', 'ROUGE-1', 'ROUGE-2', 'ROUGE-L', 'ours ÷ peer (R1 / R2)'], rows);
  });

  // Actors ----------------------------------------------------------------------------------------------
  const labelled = [seed, ...fixtures];
  const actorRows: Row[] = [];
  const totals = { ours: { p: 0, r: 0 }, withCompromise: { p: 0, r: 0 }, compromise: { p: 0, r: 0 } };
  const people = { ours: { tp: 0, fp: 0, fn: 0 }, withCompromise: { tp: 0, fp: 0, fn: 0 } };
  for (const report of labelled) {
    const labels = loadLabels(report.id);
    const oursTop = extractActors(report).slice(0, 10).map((a) => a.name);
    const plusTop = extractActors(report, { personDetector: compromisePeople }).slice(0, 10).map((a) => a.name);
    const compTop = compromiseTop10(report, labels);
    const o = precisionRecall(oursTop, labels);
    const w = precisionRecall(plusTop, labels);
    const c = precisionRecall(compTop, labels);
    for (const [k, v] of [['ours', o], ['withCompromise', w], ['compromise', c]] as const) {
      totals[k].p += v.p / labelled.length;
      totals[k].r += v.r / labelled.length;
    }
    const labelPeople = new Set([...labels.principal, ...labels.acceptable].filter((l) => l.type === 'person').map((l) => l.name));
    for (const [k, opts] of [['ours', {}], ['withCompromise', { personDetector: compromisePeople }]] as const) {
      const found = extractActors(report, opts).filter((a) => a.type === 'person').map((a) => a.name);
      people[k].tp += found.filter((n) => labelPeople.has(n)).length;
      people[k].fp += found.filter((n) => !labelPeople.has(n)).length;
      people[k].fn += [...labelPeople].filter((n) => !found.includes(n)).length;
    }
    actorRows.push({ name: report.id, cells: [fmt(o.p, 2), fmt(o.r, 2), fmt(w.p, 2), fmt(w.r, 2), fmt(c.p, 2), fmt(c.r, 2)] });
  }
  actorRows.push({
    name: 'mean',
    cells: [totals.ours.p, totals.ours.r, totals.withCompromise.p, totals.withCompromise.r, totals.compromise.p, totals.compromise.r].map((x) => fmt(x, 2)),
  });
  console.log('\nKey actors: precision / recall of the top 10 against hand labels (tests/fixtures/analysis/*.labels.json).');
  console.log('Precision counts principal + acceptable actors as correct; recall is over the principal actors.');
  table('Actors (top 10)', ['report', 'ours P', 'ours R', '+compromise P', '+compromise R', 'compromise P', 'compromise R'], actorRows);
  const pr = (x: { tp: number; fp: number; fn: number }) => `P ${fmt(x.tp / Math.max(1, x.tp + x.fp), 2)}  R ${fmt(x.tp / Math.max(1, x.tp + x.fn), 2)}  (tp ${x.tp}, fp ${x.fp}, fn ${x.fn})`;
  console.log(`\nPeople only, all reports (does compromise help find people?)`);
  console.log(`  ours alone:               ${pr(people.ours)}`);
  console.log(`  ours + compromise people: ${pr(people.withCompromise)}`);

  // Speed -----------------------------------------------------------------------------------------------
  const big = bigReport([seed, ...fixtures]);
  const bigWords = bodyText(big).split(/\s+/).length;
  const speedRows: Row[] = [];
  const oursMs: Record<string, number> = {};
  for (const [label, report, budget, runs] of [
    ['seed', seed, 2_000, 200],
    [`${bigWords}-word report`, big, 5_000, 10],
  ] as const) {
    const body = bodyText(report);
    // A fresh sections array each run, so the memoised sentence split does not flatter us.
    const fresh = (): Report => ({ ...report, sections: [...report.sections] });
    const summaryMs = await timeIt(() => engine.summarise(fresh(), { length: 'brief' }), budget, runs);
    const actorsMs = await timeIt(() => engine.actors(fresh()), budget, runs);
    const bothMs = await timeIt(async () => {
      const r = fresh();
      await engine.summarise(r, { length: 'brief' });
      await engine.actors(r);
    }, budget, runs);
    oursMs[label] = bothMs;
    speedRows.push({ name: `${label}: sitrep summary`, cells: [fmt(summaryMs, 2), '—'] });
    speedRows.push({ name: `${label}: sitrep actors`, cells: [fmt(actorsMs, 2), '—'] });
    speedRows.push({ name: `${label}: sitrep summary + actors (one report)`, cells: [fmt(bothMs, 2), '—'] });
    for (const [name, summarise] of SUMMARISERS.slice(1)) {
      try {
        const ms = await timeIt(() => summarise(fresh(), body), budget, runs);
        speedRows.push({ name: `${label}: ${name}`, cells: [fmt(ms, 2), `${fmt(ms / summaryMs, 1)}×`] });
      } catch (error) {
        speedRows.push({ name: `${label}: ${name}`, cells: [`error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, ''] });
      }
    }
    const compMs = await timeIt(() => nlp(body).people().out('array'), budget, runs);
    speedRows.push({ name: `${label}: compromise people/places/orgs`, cells: [fmt(compMs, 2), `${fmt(compMs / actorsMs, 1)}× (vs our actors)`] });
  }
  table('Speed: median ms per report (warm; first-call cost excluded)', ['task', 'ms', 'peer ÷ ours'], speedRows);
  const cold = await coldStartMs();
  console.log(`\nFirst call in a fresh process (gazetteer build + JIT), seed summary + actors: ${fmt(cold, 1)} ms`);
  console.log(`Targets: seed summary + actors ≤ 20 ms (got ${fmt(oursMs.seed!, 2)} ms warm).`);
}

/** Summary + actors of the seed in a fresh child process: what the first report after start-up costs. */
async function coldStartMs(): Promise<number> {
  const { execFileSync } = await import('node:child_process');
  const script = `
    const { performance } = await import('node:perf_hooks');
    const { parseReportFile } = await import(${JSON.stringify(`${root}src/reports/parsers/index.ts`)});
    const { OfflineAnalyzer } = await import(${JSON.stringify(`${root}src/analysis/offline/index.ts`)});
    const r = await parseReportFile(${JSON.stringify(`${root}${SEED}`)});
    const e = new OfflineAnalyzer();
    const t0 = performance.now();
    await e.summarise(r, { length: 'brief' });
    await e.actors(r);
    console.log(performance.now() - t0);`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  return Number(out.trim().split('\n').pop());
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) await run();
