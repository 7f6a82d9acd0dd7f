/**
 * Fidelity benchmark: parses every page of tests/fixtures/pages/ through the real HTML path and prints how
 * often the title, the authors and the published date match what the page's JSON says, so a change that
 * trades accuracy for speed shows next to the ingest numbers.
 *
 *   npx tsx bench/fidelity.ts [--verbose]
 *
 * Matching: titles after Unicode/quote/space normalisation (a fixture may list other acceptable spellings
 * in `alsoAccept`); authors as a set of normalised names; a date is right when the parsed instant falls on
 * the expected calendar day in some time zone (UTC−12 … UTC+14), since a page's local day and its UTC day
 * can differ; an undated page is right only when it gets no date.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseReport } from '../src/reports/parsers/index.ts';
import type { Report } from '../src/reports/types.ts';

export const PAGES_DIR = fileURLToPath(new URL('../tests/fixtures/pages/', import.meta.url));

export interface PageExpectation {
  shape: string;
  url: string;
  title: string;
  alsoAccept?: string[];
  authors: string[];
  publishedAt: string | null;
  modifiedAt?: string;
  dateline?: string;
  lead?: string;
  language?: string;
  /** Written after the rules were built ("batch-1", …): scored apart as the held-out figure. */
  heldOut?: string;
}

export interface PageFixture {
  name: string;
  html: Buffer;
  expected: PageExpectation;
}

export function loadPages(dir = PAGES_DIR): PageFixture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.html$/, '');
      return { name, html: readFileSync(join(dir, file)), expected: JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as PageExpectation };
    });
}

export function parsePage(page: PageFixture, now = new Date('2026-01-01T00:00:00Z')): Report {
  const url = page.expected.url;
  return parseReport(page.html, { url, contentType: 'text/html', origin: { kind: 'url', url }, now });
}

const norm = (s: string) =>
  s
    .normalize('NFKC')
    .replace(/[‘’‛′]/g, "'")
    .replace(/[“”„″]/g, '"')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

export function titleRight(report: Pick<Report, 'title'>, expected: PageExpectation): boolean {
  return [expected.title, ...(expected.alsoAccept ?? [])].some((t) => norm(t) === norm(report.title));
}

export function authorsRight(report: Pick<Report, 'authors'>, expected: PageExpectation): boolean {
  const got = new Set(report.authors.map(norm));
  const want = new Set(expected.authors.map(norm));
  return got.size === want.size && [...want].every((a) => got.has(a));
}

/** Same calendar day in some zone between UTC−12 and UTC+14. */
export function sameDay(iso: string | undefined, day: string | null | undefined): boolean {
  if (!day) return !iso;
  if (!iso) return false;
  const t = Date.parse(iso);
  const start = Date.parse(`${day}T00:00:00Z`);
  return t >= start - 14 * 3_600_000 && t < start + 36 * 3_600_000;
}

export function dateRight(report: Pick<Report, 'publishedAt'>, expected: PageExpectation): boolean {
  return sameDay(report.publishedAt, expected.publishedAt);
}

export interface FidelityScore {
  pages: number;
  title: number;
  authors: number;
  date: number;
  /** Pages that carry no date (publishedAt null) but were given one: must stay 0. */
  inventedDates: number;
  undated: number;
  failures: string[];
}

export function scorePages(pages = loadPages()): FidelityScore {
  const score: FidelityScore = { pages: pages.length, title: 0, authors: 0, date: 0, inventedDates: 0, undated: 0, failures: [] };
  for (const page of pages) {
    let r: Report;
    try {
      r = parsePage(page);
    } catch (error) {
      score.failures.push(`${page.name}: refused (${(error as Error).message})`);
      continue;
    }
    const e = page.expected;
    if (titleRight(r, e)) score.title++;
    else score.failures.push(`${page.name}: title ${JSON.stringify(r.title)} ≠ ${JSON.stringify(e.title)}`);
    if (authorsRight(r, e)) score.authors++;
    else score.failures.push(`${page.name}: authors ${JSON.stringify(r.authors)} ≠ ${JSON.stringify(e.authors)}`);
    if (e.publishedAt === null) {
      score.undated++;
      if (r.publishedAt) score.inventedDates++;
    }
    if (dateRight(r, e)) score.date++;
    else score.failures.push(`${page.name}: date ${r.publishedAt ?? 'none'} ≠ ${e.publishedAt ?? 'none'}`);
  }
  return score;
}

const pct = (n: number, of: number) => `${n}/${of} (${Math.round((n / Math.max(1, of)) * 100)}%)`;

export async function run(): Promise<void> {
  const pages = loadPages();
  const first = performance.now();
  const score = scorePages(pages);
  const cold = performance.now() - first;
  // A second pass shows the steady-state cost once the parser, Readability and tinyld are warm.
  const again = performance.now();
  for (const page of pages) parsePage(page);
  const warm = performance.now() - again;
  const per = (ms: number) => (ms / Math.max(1, score.pages)).toFixed(1);
  console.log(`fidelity over ${score.pages} fixture pages (tests/fixtures/pages); ${per(cold)} ms per page cold, ${per(warm)} ms warm:`);
  console.log(`  title   ${pct(score.title, score.pages)}`);
  console.log(`  authors ${pct(score.authors, score.pages)}`);
  console.log(`  date    ${pct(score.date, score.pages)}`);
  console.log(`  undated pages given a date: ${score.inventedDates}/${score.undated}`);
  const heldOut = pages.filter((p) => p.expected.heldOut);
  if (heldOut.length) {
    const h = scorePages(heldOut);
    console.log(
      `held out (${h.pages} pages written after the rules): title ${pct(h.title, h.pages)}, authors ${pct(h.authors, h.pages)}, date ${pct(h.date, h.pages)}`,
    );
    for (const batch of [...new Set(heldOut.map((p) => p.expected.heldOut!))].sort()) {
      const b = scorePages(heldOut.filter((p) => p.expected.heldOut === batch));
      console.log(`  ${batch}: title ${b.title}/${b.pages}, authors ${b.authors}/${b.pages}, date ${b.date}/${b.pages}`);
    }
  }
  if (process.argv.includes('--verbose')) for (const f of score.failures) console.log(`  ✗ ${f}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
