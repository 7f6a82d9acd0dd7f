import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import type { App } from '../app.ts';
import type { CliDeps } from './deps.ts';
import { UserError } from '../core/errors.ts';
import { parseReportFile, REPORT_FILE_EXTENSIONS } from '../reports/parsers/index.ts';
import type { Report } from '../reports/types.ts';
import { SUMMARY_LENGTHS, type Actor, type EngineInfo, type EngineName, type SummaryLength } from '../analysis/types.ts';
import { errorMessage } from '../core/errors.ts';
import { truncate } from '../core/text.ts';

/** "offline" or "llm:<model>", as printed in JSON and text output. */
export function engineLabel(info: EngineInfo): string {
  return info.engine === 'llm' && info.model ? `llm:${info.model}` : info.engine;
}

function fallbackField(info: EngineInfo): { fallback?: { from: EngineName; reason: string } } {
  return info.fallback ? { fallback: info.fallback } : {};
}

const ID_SHAPED = /^[a-z0-9]+(?:[-_][a-z0-9]+)+$/;

/** A path to a report file is analysed without ingesting it; anything else is an id or title in the library. */
async function loadInput(app: App, input: string): Promise<Report> {
  const info = await stat(input).catch(() => undefined);
  if (info?.isFile()) {
    // The same file types `sitrep ingest` reads; a PDF or a Word file would otherwise be "summarised" as bytes.
    const extension = extname(input).toLowerCase();
    if (!REPORT_FILE_EXTENSIONS.includes(extension)) {
      throw new UserError(
        `${extension ? `${extension} files are` : 'files without an extension are'} not supported; give ${REPORT_FILE_EXTENSIONS.join(' ')} (convert PDFs and Word files to text or Markdown first)`,
        'unsupported_file',
      );
    }
    const report = await parseReportFile(input, app.clock.now());
    if (!report.text.trim()) throw new UserError('the file has no report text (it is empty, or only markup and boilerplate)', 'empty_report');
    return report;
  }
  if (info?.isDirectory()) throw new UserError(`${input} is a folder; give report files or ids (or ingest the folder first)`);
  const report = app.reports.resolve(input);
  if (!report) throw new UserError(`no report with id or title "${input}" (and no such file); see \`sitrep reports list\``, 'not_found');
  // The library also resolves loose search terms; an id-shaped input must match exactly, not a neighbour.
  if (ID_SHAPED.test(input) && report.id !== input && report.title.toLowerCase() !== input.toLowerCase()) {
    throw new UserError(`no report with id "${input}" (closest match: ${report.id}); see \`sitrep reports list\``, 'not_found');
  }
  const full = await app.reports.load(report.id);
  if (!full) throw new UserError(`report "${report.id}" is no longer stored; see \`sitrep reports list\``, 'not_found');
  return full;
}

const engineOption = () =>
  new Option('--engine <engine>', 'analysis engine (default: llm when a model is configured, else offline)').choices(['offline', 'llm']);

/** Runs `work` for every input; failures are reported and the command exits 1 after the rest are done. */
async function forEachInput(deps: CliDeps, inputs: string[], work: (app: App, report: Report) => Promise<void>): Promise<void> {
  const app = await deps.openApp();
  // A fallback to the offline engine is printed with each result (text and JSON), so the same warning as a
  // JSON log line on stderr is only noise here; an explicit LOG_LEVEL (debug, warn…) is left alone.
  if (!process.env.LOG_LEVEL) app.logger.level = 'error';
  let failed = 0;
  for (const input of inputs) {
    try {
      await work(app, await loadInput(app, input));
    } catch (error) {
      failed++;
      const message = errorMessage(error);
      deps.err.write(`sitrep: ${input}: ${message}\n`);
    }
  }
  if (failed > 0) throw new UserError(`${failed} of ${inputs.length} input(s) could not be analysed (see above)`);
}

export function registerAnalysis(program: Command, deps: CliDeps): void {
  const write = (s: string): void => void deps.out.write(s.endsWith('\n') ? s : `${s}\n`);

  program
    .command('summarise')
    .alias('summarize')
    .description('Summarise reports (files or library ids/titles)')
    .argument('<inputs...>', 'report files or ids/titles of ingested reports')
    .addOption(new Option('--length <length>', 'summary length').choices([...SUMMARY_LENGTHS]).default('standard'))
    .addOption(engineOption())
    .option('--json', 'print one JSON object per input, one per line')
    .action(async (inputs: string[], opts: { length: SummaryLength; engine?: EngineName; json?: boolean }) => {
      let first = true;
      await forEachInput(deps, inputs, async (app, report) => {
        const summary = await app.analysis.summarise(report, { length: opts.length, ...(opts.engine ? { engine: opts.engine } : {}) });
        if (opts.json) {
          write(
            JSON.stringify({
              id: report.id,
              title: report.title,
              length: summary.length,
              engine: engineLabel(summary.engine),
              summary: summary.text,
              sentences: summary.sentences.map((s) => ({ text: s.text, index: s.index })),
              // Only when the model failed; last, so the documented fields keep their order.
              ...fallbackField(summary.engine),
            }),
          );
          return;
        }
        if (!first) write('');
        first = false;
        write(`${report.title}\n${report.id} · ${summary.length} summary · ${engineText(summary.engine)}`);
        if (summary.sentences.length === 0) write('  (no summarisable text)');
        for (const s of summary.sentences) write(`  • ${s.text}`);
      });
    });

  program
    .command('actors')
    .description('List the key actors of reports (files or library ids/titles)')
    .argument('<inputs...>', 'report files or ids/titles of ingested reports')
    .addOption(engineOption())
    .option('--json', 'print one JSON object per input, one per line')
    .action(async (inputs: string[], opts: { engine?: EngineName; json?: boolean }) => {
      let first = true;
      await forEachInput(deps, inputs, async (app, report) => {
        const result = await app.analysis.actors(report, opts.engine ? { engine: opts.engine } : {});
        if (opts.json) {
          write(
            JSON.stringify({
              id: report.id,
              title: report.title,
              engine: engineLabel(result.engine),
              actors: result.actors.map((a) => ({
                name: a.name,
                type: a.type,
                role: a.role ?? null,
                affiliation: a.affiliation ?? null,
                mentions: a.mentions,
                aliases: a.aliases,
                evidence: a.evidence,
              })),
              ...fallbackField(result.engine),
            }),
          );
          return;
        }
        if (!first) write('');
        first = false;
        write(`${report.title}\n${report.id} · key actors · ${engineText(result.engine)}`);
        if (result.actors.length === 0) write('  (no actors found)');
        result.actors.forEach((a, i) => write(actorLines(a, i + 1)));
      });
    });
}

function engineText(info: EngineInfo): string {
  const label = engineLabel(info);
  return info.fallback ? `${label} (fallback from ${info.fallback.from}: ${info.fallback.reason})` : label;
}

function actorLines(a: Actor, rank: number): string {
  const who = [a.role, a.affiliation].filter(Boolean).join(', ');
  const others = a.aliases.filter((x) => x !== a.name);
  const head = `${String(rank).padStart(3)}. ${a.name} (${a.type})${who ? ` — ${who}` : ''} · ${a.mentions} mention${a.mentions === 1 ? '' : 's'}`;
  const aka = others.length ? `\n       also: ${others.join(', ')}` : '';
  const evidence = truncate(a.evidence, 220);
  return `${head}${aka}\n       “${evidence}”`;
}
