import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import type { CliDeps } from './deps.ts';
import { UserError } from '../core/errors.ts';
import type { IngestResult } from '../reports/ingest.ts';
import { listReportFiles } from '../reports/ingest.ts';
import type { ReportMeta } from '../reports/types.ts';
import { errorMessage } from '../core/errors.ts';

/** The JSON shape printed by `reports list` / `reports search`. */
export interface ReportSummary {
  id: string;
  title: string;
  source: string;
  authors: string[];
  /** The publisher's date; null when the report is undated (never the ingestion time). */
  publishedAt: string | null;
  /** When Sitrep first ingested it. */
  ingestedAt: string;
  url?: string;
  tags: string[];
}

export function reportSummary(r: ReportMeta): ReportSummary {
  return {
    id: r.id,
    title: r.title,
    source: r.source,
    authors: r.authors,
    publishedAt: r.publishedAt ?? null,
    ingestedAt: r.ingestedAt,
    ...(r.url ? { url: r.url } : {}),
    tags: r.tags,
  };
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UserError(`--limit must be a positive whole number, not "${value}"`);
  return n;
};

const collect = (value: string, previous: string[]) => [...previous, value];

/** The published date, or "undated, added <date>" (an undated report never shows its ingestion as its date). */
function dateLabel(r: ReportMeta): string {
  return r.publishedAt ? r.publishedAt.slice(0, 10) : `undated, added ${r.ingestedAt.slice(0, 10)}`;
}

function line(r: ReportMeta): string {
  const by = r.authors.length ? ` — ${r.authors.join(', ')}` : '';
  return `${dateLabel(r)}  ${r.id}\n            ${r.title} (${r.source}${by})`;
}

export function registerReports(program: Command, deps: CliDeps): void {
  const write = (s: string): void => void deps.out.write(s.endsWith('\n') ? s : `${s}\n`);
  const json = (value: unknown) => write(JSON.stringify(value, null, 2));

  program
    .command('ingest')
    .description('Add reports from files, folders (recursive: .md .markdown .txt .html .htm) or article URLs; follow feeds with --feed')
    .argument('[targets...]', 'files, folders or http(s) article URLs')
    .option('--feed <url>', 'follow an RSS/Atom/JSON feed and ingest its items (repeatable)', collect, [] as string[])
    .option('--json', 'print the ingested reports as JSON')
    .action(async (targets: string[], opts: { feed: string[]; json?: boolean }) => {
      if (targets.length === 0 && opts.feed.length === 0) throw new UserError('Nothing to ingest: give a file, folder or URL, or --feed URL');
      const app = await deps.openApp();
      const results: Array<IngestResult & { target: string }> = [];
      const failures: string[] = [];
      const fail = (target: string, error: unknown) => {
        const message = errorMessage(error);
        failures.push(`${target}: ${message}`);
        deps.err.write(`sitrep: ${target}: ${message}\n`);
      };

      for (const target of targets) {
        try {
          if (/^https?:\/\//i.test(target)) {
            results.push({ ...(await app.ingest.ingestUrl(target)), target });
            continue;
          }
          if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) throw new UserError(`only http(s) URLs can be ingested, not ${target.split(':')[0]}`);
          const progress = await progressFor(target, deps.err);
          const batch = await app.ingest.ingestPath(target, {
            onProgress: progress.update,
            onError: (file, error) => fail(file, error),
          });
          progress.stop();
          results.push(...batch.map((r) => ({ ...r, target })));
        } catch (error) {
          fail(target, error);
        }
      }

      for (const url of opts.feed) {
        try {
          const known = (await app.feeds.list()).find((f) => f.url === url || f.id === url);
          if (known) {
            const poll = await app.feeds.poll(known.id);
            if (poll.status === 'error') throw new UserError(poll.error ?? 'poll failed');
            for (const report of poll.created) results.push({ report, status: 'created', target: url });
            if (!opts.json)
              write(
                `feed ${known.title ?? known.url}: ${poll.status}, ${poll.created.length} new, ${poll.duplicates} already known${deferredNote(poll.deferred)}`,
              );
          } else {
            const feed = await app.feeds.add(url, { addedBy: 'cli' });
            const items = app.reports.list().filter((r) => r.origin.kind === 'feed' && r.origin.feedId === feed.id);
            for (const report of items) results.push({ report, status: 'created', target: url });
            if (!opts.json)
              write(
                `feed ${feed.title ?? feed.url} (id ${feed.id}): following; ${items.length} existing items recorded as backlog${deferredNote(feed.pendingItems ?? 0)}`,
              );
          }
        } catch (error) {
          fail(url, error);
        }
      }

      if (opts.json) {
        json(results.map((r) => ({ ...reportSummary(r.report), status: r.status })));
      } else {
        const counts = { created: 0, updated: 0, unchanged: 0 };
        for (const r of results) counts[r.status]++;
        if (results.length <= 20) for (const r of results) write(`${r.status.padEnd(9)} ${r.report.id}  ${r.report.title}`);
        write(
          `${results.length} report(s): ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged; library holds ${app.reports.count()}`,
        );
      }
      if (failures.length) {
        throw new UserError(`${failures.length} item(s) could not be ingested (see above)`);
      }
    });

  const reports = program.command('reports').description('Browse the report library');

  reports
    .command('list')
    .description('List reports, newest first')
    .addOption(new Option('--limit <n>', 'how many (default 20; all with --json)').argParser(positiveInt))
    .option('--source <name>', 'only reports from this source (case-insensitive)')
    .option('--json', 'print JSON')
    .action(async (opts: { limit?: number; source?: string; json?: boolean }) => {
      const app = await deps.openApp();
      const limit = opts.limit ?? (opts.json ? undefined : 20);
      const list = app.reports.list({ limit, source: opts.source });
      if (opts.json) return json(list.map(reportSummary));
      if (list.length === 0) {
        write(
          opts.source
            ? `No reports from "${opts.source}". Sources: ${app.reports.sources().join(', ') || 'none'}`
            : 'The library is empty. Add reports with `sitrep ingest <file|dir|url>`.',
        );
        return;
      }
      for (const r of list) write(line(r));
      const total = opts.source ? app.reports.list({ source: opts.source }).length : app.reports.count();
      if (total > list.length) write(`… ${total - list.length} more (use --limit)`);
    });

  reports
    .command('search')
    .description('Full-text search over titles, names and text (ranked)')
    .argument('<query...>', 'words to look for')
    .addOption(new Option('--limit <n>', 'how many results (default 20)').argParser(positiveInt))
    .option('--json', 'print JSON')
    .action(async (words: string[], opts: { limit?: number; json?: boolean }) => {
      const app = await deps.openApp();
      const query = words.join(' ');
      const hits = app.reports.search(query, { limit: opts.limit ?? 20 });
      if (opts.json) return json(hits.map(reportSummary));
      if (hits.length === 0) return write(`No reports match "${query}".`);
      for (const r of hits) write(line(r));
    });

  reports
    .command('show')
    .description('Show one report: metadata and full text')
    .argument('<id>', 'report id (or exact title)')
    .option('--json', 'print the full report as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const app = await deps.openApp();
      const found = app.reports.resolve(id);
      const report = found && (await app.reports.load(found.id));
      if (!report) {
        const close = app.reports.suggest(id, 3).map((s) => s.id);
        throw new UserError(
          `No report matches "${id.slice(0, 80)}".${close.length ? ` Did you mean: ${close.join(', ')}?` : ''} Try \`sitrep reports search ${id.slice(0, 80)}\`.`,
          'not_found',
        );
      }
      if (opts.json) return json(report);
      const meta = [
        ['Source', report.source],
        ['Authors', report.authors.join(', ')],
        ['Published', report.publishedAt?.slice(0, 10)],
        ['URL', report.url],
        [
          'Series',
          report.series
            ? [
                report.series.name,
                report.series.issn && `ISSN ${report.series.issn}`,
                report.series.volume && `vol. ${report.series.volume}`,
                report.series.issue && `issue ${report.series.issue}`,
              ]
                .filter(Boolean)
                .join(', ')
            : undefined,
        ],
        ['Tags', report.tags.join(', ')],
        ['Regions', report.regions.join(', ')],
        ['Id', report.id],
      ].filter(([, v]) => v) as Array<[string, string]>;
      write(report.title);
      write('='.repeat(Math.min(report.title.length, 80)));
      for (const [k, v] of meta) write(`${k.padEnd(10)} ${v}`);
      if (report.standfirst) write(`\n${report.standfirst}`);
      for (const section of report.sections) {
        write('');
        if (section.heading) write(`## ${section.heading}\n`);
        write(section.paragraphs.join('\n\n'));
      }
    });
}

const deferredNote = (deferred: number) => (deferred > 0 ? `; ${deferred} more item(s) will arrive on later polls (at most 200 per poll)` : '');

/** A progress bar on a TTY for big folders; otherwise a log line every few seconds. */
async function progressFor(target: string, err: NodeJS.WritableStream): Promise<{ update(done: number, total: number): void; stop(): void }> {
  const info = await stat(target).catch(() => undefined);
  const total = info?.isDirectory() ? (await listReportFiles(target)).length : 1;
  const tty = Boolean((err as NodeJS.WriteStream).isTTY);
  if (total > 20 && tty) {
    const bar = new cliProgress.SingleBar(
      { stream: err as NodeJS.WriteStream, format: 'ingesting {bar} {value}/{total} files', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let last = Date.now();
  return {
    update(done, all) {
      if (all > 20 && (Date.now() - last > 3_000 || done === all)) {
        last = Date.now();
        err.write(`ingesting ${target}: ${done}/${all} files\n`);
      }
    },
    stop() {},
  };
}
