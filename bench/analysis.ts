/**
 * Offline analysis benchmark: summary quality (ROUGE against author-written summaries), actor precision and
 * recall against hand labels, and speed — side by side with LEAD-2, LEAD-3, node-summarizer, lexrank.js,
 * text-summarization and compromise — on the development set in bench/fixtures/dev (see its README).
 * compromise is used here only (a benchmark peer), never by the product. Run alone with `npx tsx bench/analysis.ts`.
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
import { reportFromText } from '../tests/fixtures/analysis/make-report.ts';
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
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 0 ? r.name : (r.cells[i - 1] ?? '')).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line([r.name, ...r.cells]));
}

// ------------------------------------------------------------------------------------------ summarisers

const ours: Summariser = async (report) => (await engine.summarise(report, { length: 'brief' })).sentences.map((s) => s.text);

const lead =
  (n: number): Summariser =>
  async (report) =>
    reportSentences(report)
      .filter((s) => !s.boilerplate)
      .slice(0, n)
      .map((s) => s.text);
const lead2 = lead(2);

const { SummarizerManager } = require('node-summarizer') as {
  SummarizerManager: new (
    text: string,
    n: number,
  ) => {
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
  ['LEAD-3', lead(3)],
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
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([k]) => k);
}

const compromisePeople = (text: string): string[] =>
  nlp(text)
    .people()
    .out('array')
    .map((s) =>
      s
        .replace(/[’']s$/, '')
        .replace(/[.,;:]+$/, '')
        .trim(),
    )
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

// ------------------------------------------------------------------------------------------ development set

interface DevLabel {
  name: string;
  type: string;
  aliases?: string[];
  role?: string;
  affiliation?: string;
}
interface DevMeta {
  publisher: string;
  authored?: boolean;
  language?: string;
  summary: string;
  actors?: DevLabel[];
  acceptable?: string[];
}
interface DevItem {
  id: string;
  provenance: string;
  body: Report;
  reference: string;
  labels?: Labels & { people: DevLabel[] };
}

const DEV_DIR = `${root}bench/fixtures/dev/`;

/** The development set (bench/fixtures/dev: real public-domain CRS excerpts and authored analyses), plus the fixtures' own summaries. */
async function developmentSet(seed: Report, fixtures: Report[]): Promise<DevItem[]> {
  const { readdirSync } = await import('node:fs');
  const items: DevItem[] = [];
  for (const file of readdirSync(DEV_DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    const id = file.replace(/\.txt$/, '');
    const meta = JSON.parse(readFileSync(`${DEV_DIR}${id}.json`, 'utf8')) as DevMeta;
    const body = reportFromText(id, readFileSync(`${DEV_DIR}${file}`, 'utf8'), meta.language ? ({ language: meta.language } as Partial<Report>) : {});
    const item: DevItem = { id, provenance: meta.authored ? 'authored' : meta.publisher, body, reference: meta.summary };
    if (meta.actors) {
      item.labels = {
        report: id,
        principal: meta.actors,
        acceptable: (meta.acceptable ?? []).map((name) => ({ name, type: 'any' })),
        people: meta.actors.filter((a) => a.type === 'person'),
      };
    }
    items.push(item);
  }
  const seedSplit = splitOffSummary(seed)!;
  items.push({ id: seed.id, provenance: 'SpecialEurasia (seed; its In summary paragraphs)', ...seedSplit });
  for (const r of fixtures) {
    const split = splitOffSummary(r);
    if (split) items.push({ id: r.id, provenance: 'synthetic fixture (its summary section)', ...split });
  }
  return items;
}

type Scores = { r1: number; r2: number; rl: number };
const METRICS = ['r1', 'r2', 'rl'] as const;

/** Deterministic PRNG (mulberry32) so the bootstrap interval is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Paired bootstrap over reports: mean difference and its 95% interval. */
function bootstrap(diffs: number[], rounds = 10_000): { mean: number; lo: number; hi: number } {
  const rand = prng(12);
  const n = diffs.length;
  const means: number[] = [];
  for (let b = 0; b < rounds; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += diffs[Math.floor(rand() * n)]!;
    means.push(sum / n);
  }
  means.sort((x, y) => x - y);
  return { mean: diffs.reduce((x, y) => x + y, 0) / n, lo: means[Math.floor(rounds * 0.025)]!, hi: means[Math.floor(rounds * 0.975)]! };
}

/** Label matching by canonical name or alias, for any system's surface forms. */
function devMatcher(labels: Labels): (names: string[]) => string | undefined {
  const index = new Map<string, string>();
  for (const l of [...labels.principal, ...labels.acceptable]) for (const a of [l.name, ...(l.aliases ?? [])]) index.set(normalise(a), l.name);
  return (names) => {
    for (const n of names) {
      const hit = index.get(normalise(n));
      if (hit) return hit;
    }
    return undefined;
  };
}

interface ActorScore {
  p: number;
  r: number;
}
function scoreTop(top: string[][], labels: Labels): ActorScore {
  const match = devMatcher(labels);
  const matched = top.map((names) => match(names));
  const p = top.length ? matched.filter(Boolean).length / top.length : 0;
  const hit = new Set(matched.filter((x): x is string => !!x));
  const r = labels.principal.filter((l) => hit.has(l.name)).length / labels.principal.length;
  return { p, r };
}
const f1 = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);

const normRole = (s: string) =>
  s
    .toLowerCase()
    .replace(/[-\s]+/g, ' ')
    .trim();
/** A role is right when the labelled role and ours contain one another, and the affiliation (when labelled) agrees. */
function roleRight(label: DevLabel, role: string | undefined, affiliation: string | undefined): boolean {
  if (!label.role) return true;
  if (!role) return false;
  const a = normRole(label.role);
  const b = normRole(role);
  if (!a.includes(b) && !b.includes(a)) return false;
  return !label.affiliation || !affiliation || normalise(label.affiliation) === normalise(affiliation) || !!affiliation.includes(label.affiliation);
}

// --------------------------------------------------------------------------------------------------- run

export async function run(): Promise<void> {
  const seed = await loadFixture(SEED);
  const fixtures = await Promise.all(FIXTURES.map((id) => loadFixture(`tests/fixtures/analysis/${id}.txt`)));
  const dev = await developmentSet(seed, fixtures);

  // Summaries -------------------------------------------------------------------------------------------
  const scores = new Map<string, Array<Scores | undefined>>();
  const errors = new Map<string, string>();
  for (const [name, summarise] of SUMMARISERS) {
    const list: Array<Scores | undefined> = [];
    for (const q of dev) {
      try {
        const sentences = await summarise(q.body, bodyText(q.body));
        list.push(rouge(sentences.join(' '), q.reference));
      } catch (error) {
        list.push(undefined);
        errors.set(name, error instanceof Error ? error.message.split('\n')[0]! : String(error));
      }
    }
    scores.set(name, list);
  }
  const publishers = new Set(dev.map((d) => d.provenance));
  console.log(`Summary quality on the development set: ${dev.length} reports (${[...publishers].join('; ')}).`);
  console.log('BRIEF (2-sentence) summaries of the body, scored against the author/editor summary (ROUGE F1 ×100, js-rouge, lower-cased).');
  const mean = (list: Array<Scores | undefined>, m: (typeof METRICS)[number]) => {
    const ok = list.filter((x): x is Scores => !!x);
    return ok.length ? (100 * ok.reduce((sum, x) => sum + x[m], 0)) / ok.length : NaN;
  };
  const oursScores = scores.get('sitrep offline')!;
  const summaryRows: Row[] = SUMMARISERS.map(([name]) => {
    const list = scores.get(name)!;
    if (list.every((x) => !x)) return { name, cells: [`error: ${errors.get(name)}`, '', '', ''] };
    const cells = METRICS.map((m) => fmt(mean(list, m), 2));
    const ratio = name === 'sitrep offline' ? '—' : METRICS.map((m) => fmt(mean(oursScores, m) / mean(list, m), 2)).join(' / ');
    return { name, cells: [...cells, ratio] };
  });
  table('Summaries (mean over the development set)', ['summariser', 'ROUGE-1', 'ROUGE-2', 'ROUGE-L', 'ours ÷ peer (R1 / R2 / RL)'], summaryRows);
  const leadScores = scores.get('LEAD-2')!;
  console.log('\nMargin over LEAD-2 (ours − LEAD-2, ROUGE ×100), paired bootstrap over reports, 10,000 resamples, 95% interval:');
  for (const m of METRICS) {
    const diffs = dev.map((_, i) => 100 * ((oursScores[i]?.[m] ?? 0) - (leadScores[i]?.[m] ?? 0)));
    const b = bootstrap(diffs);
    console.log(
      `  ${m === 'r1' ? 'ROUGE-1' : m === 'r2' ? 'ROUGE-2' : 'ROUGE-L'}: ${b.mean >= 0 ? '+' : ''}${fmt(b.mean, 2)}  [${fmt(b.lo, 2)}, ${fmt(b.hi, 2)}]`,
    );
  }
  table(
    'Per report: ours vs LEAD-2 (ROUGE-1 / ROUGE-2 / ROUGE-L ×100)',
    ['report', 'source', 'ours', 'LEAD-2'],
    dev.map((d, i) => ({
      name: d.id,
      cells: [d.provenance.slice(0, 32), ...[oursScores[i], leadScores[i]].map((s) => (s ? METRICS.map((m) => fmt(100 * s[m], 1)).join(' / ') : 'error'))],
    })),
  );

  if (process.env.BENCH_ONLY === 'summaries') return; // quick loop while tuning the summariser

  // Actors ----------------------------------------------------------------------------------------------
  const labelled: Array<{ id: string; report: Report; labels: Labels; people: DevLabel[]; lang?: string }> = [];
  for (const r of [seed, ...fixtures]) {
    const labels = loadLabels(r.id) as Labels & { principal: DevLabel[] };
    labelled.push({ id: r.id, report: r, labels, people: [...labels.principal, ...(labels.acceptable as DevLabel[])].filter((l) => l.type === 'person') });
  }
  for (const d of dev) if (d.labels) labelled.push({ id: d.id, report: d.body, labels: d.labels, people: d.labels.people });
  const actorRows: Row[] = [];
  const misses: string[] = [];
  const sums = { ours: { p: 0, r: 0 }, withCompromise: { p: 0, r: 0 }, compromise: { p: 0, r: 0 } };
  const roles = { found: 0, right: 0, withAffiliation: 0, affiliationRight: 0 };
  const peopleCounts = { ours: { tp: 0, fp: 0, fn: 0 }, withCompromise: { tp: 0, fp: 0, fn: 0 } };
  for (const { id, report, labels, people } of labelled) {
    const result = await engine.actors(report);
    const ours = result.actors;
    const lang = (report as Report & { language?: string }).language ?? 'en';
    const plus = extractActors(report, { personDetector: compromisePeople, lang });
    const o = scoreTop(
      ours.slice(0, 10).map((a) => [a.name, ...a.aliases]),
      labels,
    );
    const w = scoreTop(
      plus.slice(0, 10).map((a) => [a.name, ...a.aliases]),
      labels,
    );
    const c = scoreTop(
      compromiseTop10(report, labels).map((n) => [n]),
      labels,
    );
    for (const [k, v] of [
      ['ours', o],
      ['withCompromise', w],
      ['compromise', c],
    ] as const) {
      sums[k].p += v.p / labelled.length;
      sums[k].r += v.r / labelled.length;
    }
    const match = devMatcher(labels);
    for (const label of people) {
      const a = ours.find((x) => match([x.name, ...x.aliases]) === label.name && x.type === 'person');
      if (!a || !label.role) continue;
      roles.found++;
      if (roleRight(label, a.role, a.affiliation)) roles.right++;
      if (label.affiliation) {
        roles.withAffiliation++;
        if (a.affiliation && normalise(a.affiliation) === normalise(label.affiliation)) roles.affiliationRight++;
        else if (process.env.BENCH_VERBOSE) console.log(`  affiliation: ${id}: ${a.name} — ${a.role} [${a.affiliation ?? '—'}], label ${label.affiliation}`);
      }
    }
    const labelPeople = new Set(people.map((l) => l.name));
    for (const [k, list] of [
      ['ours', ours],
      ['withCompromise', plus],
    ] as const) {
      const found = new Set(list.filter((a) => a.type === 'person').map((a) => match([a.name, ...a.aliases]) ?? `?${a.name}`));
      peopleCounts[k].tp += [...found].filter((n) => labelPeople.has(n)).length;
      peopleCounts[k].fp += [...found].filter((n) => !labelPeople.has(n) && n.startsWith('?')).length;
      peopleCounts[k].fn += [...labelPeople].filter((n) => !found.has(n)).length;
    }
    actorRows.push({ name: id, cells: [o, w, c].flatMap((x) => [fmt(x.p, 2), fmt(x.r, 2)]) });
    const hits = new Set(ours.slice(0, 10).map((x) => match([x.name, ...x.aliases])));
    const missed = labels.principal.filter((l) => !hits.has(l.name)).map((l) => l.name);
    if (missed.length) misses.push(`  ${id}: ${missed.join(', ')}`);
  }
  actorRows.push({ name: 'mean', cells: [sums.ours, sums.withCompromise, sums.compromise].flatMap((x) => [fmt(x.p, 2), fmt(x.r, 2)]) });
  actorRows.push({ name: 'F1 of the means', cells: [sums.ours, sums.withCompromise, sums.compromise].flatMap((x) => [fmt(f1(x.p, x.r), 2), '']) });
  console.log(`\nKey actors: precision / recall of the top 10 against hand labels, ${labelled.length} reports`);
  console.log('(tests/fixtures/analysis/*.labels.json and bench/fixtures/dev/*.json; rules in bench/fixtures/README.md).');
  console.log('Precision counts labelled core + acceptable actors as correct; recall is over the core actors; names or aliases match.');
  table('Actors (top 10)', ['report', 'ours P', 'ours R', '+compromise P', '+compromise R', 'compromise P', 'compromise R'], actorRows);
  console.log('\nCore actors missing from our top 10:');
  for (const line of misses) console.log(line);
  console.log(
    `\nRoles right for people found (label role ⊂ ours or ours ⊂ label, affiliation agreeing): ${roles.right}/${roles.found} = ${fmt(roles.right / Math.max(1, roles.found), 2)}`,
  );
  const pr = (x: { tp: number; fp: number; fn: number }) =>
    `P ${fmt(x.tp / Math.max(1, x.tp + x.fp), 2)}  R ${fmt(x.tp / Math.max(1, x.tp + x.fn), 2)}  (tp ${x.tp}, unlabelled ${x.fp}, missed ${x.fn})`;
  console.log(
    `Affiliation given and right where the label has one: ${roles.affiliationRight}/${roles.withAffiliation} = ${fmt(roles.affiliationRight / Math.max(1, roles.withAffiliation), 2)}`,
  );
  console.log('People only, all actors listed (does compromise help find people?)');
  console.log(`  ours alone:               ${pr(peopleCounts.ours)}`);
  console.log(`  ours + compromise people: ${pr(peopleCounts.withCompromise)}`);

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
    const bothMs = await timeIt(
      async () => {
        const r = fresh();
        await engine.summarise(r, { length: 'brief' });
        await engine.actors(r);
      },
      budget,
      runs,
    );
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
