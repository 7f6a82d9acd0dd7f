import { readdir, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname, join, resolve } from 'node:path';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../config.ts';
import { UserError } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import { fetcherFromConfig, type SafeFetcher } from '../net/safe-fetch.ts';
import type { ReportLibrary, UpsertStatus } from './library.ts';
import { parseReport, REPORT_FILE_EXTENSIONS, type ParsedMeta } from './parsers/index.ts';
import { ParsePool } from './parse-pool.ts';
import type { Report, ReportMeta, ReportOrigin } from './types.ts';
import { normaliseUrl, stripTracking } from './urls.ts';

export interface IngestResult {
  /** What the library holds of it (metadata; the text is in the store: `ReportLibrary.load`). */
  report: ReportMeta;
  status: UpsertStatus;
}

export interface IngestPathOptions {
  onProgress?(done: number, total: number): void;
  /** A file that cannot be read or parsed is skipped (and reported here) so one bad file never stops a folder. */
  onError?(path: string, error: Error): void;
  /** Parse on worker threads: `auto` (default) does so for folders of at least 200 files on a multi-core host. */
  parallel?: boolean | 'auto';
}

const PARALLEL_THRESHOLD = 200;

const BATCH = 250;

/** Reports (re)indexed since the last snapshot after which a folder ingest saves a new one. */
const SNAPSHOT_AFTER_CHANGES = 200;

/** Turns files, folders and article URLs into stored reports. Feeds build on it (see feeds.ts). */
export class Ingestor {
  private readonly config: Config;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly reports: ReportLibrary;
  readonly fetcher: SafeFetcher;

  constructor(deps: { config: Config; logger: Logger; clock: Clock; reports: ReportLibrary; fetcher?: SafeFetcher }) {
    this.config = deps.config;
    this.logger = deps.logger;
    this.clock = deps.clock;
    this.reports = deps.reports;
    this.fetcher = deps.fetcher ?? fetcherFromConfig(deps.config);
  }

  /** Parses one file into a report without storing it. */
  async parseFile(path: string, pool?: ParsePool): Promise<Report> {
    const absolute = resolve(path);
    let report: Report;
    try {
      const inThread = async () => {
        const info = await stat(absolute);
        const parsed = parseReport(await readFile(absolute), { filename: absolute, origin: { kind: 'file', path: absolute }, now: this.clock.now() });
        parsed.origin = { kind: 'file', path: absolute, size: info.size, mtimeMs: info.mtimeMs };
        return parsed;
      };
      // The job goes to the pool straight away (the worker stats the file itself), so the worker is never
      // waiting on this thread while it indexes. A worker that died (e.g. out of memory on a huge file) has
      // its job redone here.
      if (pool) report = await pool.parse(absolute, this.clock.now()).catch((e: NodeJS.ErrnoException) => (e.code ? Promise.reject(e) : inThread()));
      else report = await inThread();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!code) throw error;
      throw new UserError(`Cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, 'not_found');
    }
    if (!report.text.trim()) throw new UserError(`${path} has no report text after clean-up`, 'empty_report');
    return report;
  }

  /** A stored report for this file whose recorded size and mtime still match: no need to parse it again. */
  private async unchangedFile(path: string): Promise<ReportMeta | undefined> {
    const existing = this.reports.findByPath(path);
    if (existing?.origin.kind !== 'file' || existing.origin.mtimeMs === undefined) return undefined;
    const info = await stat(path).catch(() => undefined);
    return info && info.size === existing.origin.size && info.mtimeMs === existing.origin.mtimeMs ? existing : undefined;
  }

  /** Ingests a file, or every report file under a directory (recursively): .md .markdown .txt .html .htm. */
  async ingestPath(path: string, opts: IngestPathOptions = {}): Promise<IngestResult[]> {
    const absolute = resolve(path);
    const info = await stat(absolute).catch(() => undefined);
    if (!info) throw new UserError(`No such file or directory: ${path}`, 'not_found');
    if (info.isFile()) {
      const cached = await this.unchangedFile(absolute);
      if (cached) {
        opts.onProgress?.(1, 1);
        return [{ report: cached, status: 'unchanged' }];
      }
      const report = operatorScoped(await this.parseFile(absolute));
      const [result] = await this.reports.upsertMany([report]);
      opts.onProgress?.(1, 1);
      this.logResult(result!);
      return [result!];
    }
    const files = await listReportFiles(absolute);
    const results: IngestResult[] = [];
    let done = 0;
    const wantPool = opts.parallel === true || ((opts.parallel ?? 'auto') === 'auto' && files.length >= PARALLEL_THRESHOLD && availableParallelism() > 1);
    const pool = wantPool ? await ParsePool.create() : undefined;
    // The next batch is parsed (on workers, when there is a pool) while this one is indexed and written.
    const parseBatch = (from: number) => {
      const slice = files.slice(from, from + BATCH);
      const parseUnlessUnchanged = (file: string): Promise<Report | { unchanged: ReportMeta }> => {
        // Files never ingested are sent to the parser without a detour through the event loop.
        if (!this.reports.findByPath(file)) return this.parseFile(file, pool);
        return this.unchangedFile(file).then((cached): Promise<Report | { unchanged: ReportMeta }> | { unchanged: ReportMeta } =>
          cached ? { unchanged: cached } : this.parseFile(file, pool),
        );
      };
      return Promise.allSettled(slice.map(parseUnlessUnchanged)).then((outcomes) => ({ slice, outcomes }));
    };
    try {
      let upcoming = parseBatch(0);
      for (let i = 0; i < files.length; i += BATCH) {
        const { slice, outcomes } = await upcoming;
        if (i + BATCH < files.length) upcoming = parseBatch(i + BATCH);
        const batch: Report[] = [];
        outcomes.forEach((outcome, j) => {
          if (outcome.status === 'fulfilled') {
            if ('unchanged' in outcome.value) results.push({ report: outcome.value.unchanged, status: 'unchanged' });
            else batch.push(operatorScoped(outcome.value));
          } else {
            const file = slice[j]!;
            this.logger.warn({ file, err: (outcome.reason as Error).message }, 'skipped report file');
            opts.onError?.(file, outcome.reason as Error);
          }
          done++;
        });
        for (const result of await this.reports.upsertMany(batch)) {
          results.push(result);
          this.logResult(result);
        }
        opts.onProgress?.(done, files.length);
      }
    } finally {
      await pool?.close();
    }
    // After a large ingest, the next start reads the search index instead of rebuilding it. Saved in the
    // background (the reports are already stored); ReportLibrary.flush (app.close) waits for it.
    if (this.reports.changesSinceSnapshot() >= SNAPSHOT_AFTER_CHANGES) {
      void this.reports.saveIndexSnapshot().catch((error: Error) => this.logger.warn({ err: error.message }, 'could not save the search index snapshot'));
    }
    return results;
  }

  /** Fetches one article page (safely) and parses it, without storing it. */
  async fetchArticle(url: string, origin?: ReportOrigin, meta: Partial<ParsedMeta> = {}): Promise<Report> {
    const response = await this.fetcher.fetch(url, { kind: 'article' });
    if (/(rss|atom|rdf|feed\+json)/.test(response.contentType ?? '') || /^\s*(<\?xml[^>]*>\s*)?<(rss|feed|rdf:RDF)[\s>]/i.test(response.text.slice(0, 500))) {
      throw new UserError(`${url} is a feed, not an article: add it with --feed (CLI) or /feed add`, 'is_feed');
    }
    const report = parseReport(response.text, {
      url: response.url,
      contentType: response.contentType,
      origin: origin ?? { kind: 'url', url: response.url },
      now: this.clock.now(),
      meta,
    });
    if (!report.text.trim() || report.text.length < 80) throw new UserError(`No article text could be extracted from ${url}`, 'empty_report');
    if (report.url) report.url = stripTracking(report.url);
    return report;
  }

  /**
   * Fetches one article and stores it: in the operator library (CLI), or with `guildId` in that guild's
   * scope (`/report add`). Re-ingesting the same article (by any of its URLs) updates the same report.
   */
  async ingestUrl(url: string, opts: { guildId?: string } = {}): Promise<IngestResult> {
    const report = await this.fetchArticle(url);
    // The URL asked for is an identity of the article too (the library's identity rules see them all).
    report.altUrls = [...new Set([...(report.altUrls ?? []), normaliseUrl(url)])];
    report.scope = opts.guildId ? { kind: 'guilds', guildIds: [opts.guildId] } : { kind: 'operator' };
    const [result] = await this.reports.upsertMany([report]);
    this.logResult(result!);
    return result!;
  }

  private logResult(result: IngestResult): void {
    if (result.status !== 'unchanged') this.logger.info({ id: result.report.id, status: result.status }, `report ${result.status}`);
  }
}

/** Files (briefs/, CLI ingest) are the operator's: visible in every server. */
function operatorScoped(report: Report): Report {
  report.scope = { kind: 'operator' };
  return report;
}

/** Every report file under `dir`, sorted, skipping hidden folders and node_modules. */
export async function listReportFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string) => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && REPORT_FILE_EXTENSIONS.includes(extname(entry.name).toLowerCase()) && !/^readme\./i.test(entry.name)) out.push(full);
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * Loads the bundled library (`BRIEFS_DIR`, default ./briefs) at start-up. A missing folder is not an error:
 * the bot simply starts with what the store already holds.
 */
export async function ingestBriefs(ingest: Ingestor, dir: string, logger: Logger): Promise<IngestResult[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    logger.info({ dir }, 'no briefs folder; skipping bundled library');
    return [];
  }
  const results = await ingest.ingestPath(dir);
  const counts = { created: 0, updated: 0, unchanged: 0 };
  for (const r of results) counts[r.status]++;
  logger.info({ dir, ...counts }, 'bundled library ingested');
  return results;
}
