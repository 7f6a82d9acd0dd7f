import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { App } from '../app.ts';
import { llmConfigured } from '../config.ts';
import { ingestBriefs } from '../reports/ingest.ts';
import { plural } from '../presentation/text.ts';
import { reportDateLabel } from '../presentation/reports.ts';
import { LOCAL_GUILD_ID } from './platform.ts';
import { renderBriefingText } from './render.ts';
import { TerminalTransport } from './transport.ts';
import { errorMessage } from '../core/errors.ts';

export interface LocalModeIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Show a prompt and quit on Ctrl-D; defaults to whether `input` is a TTY. */
  interactive?: boolean;
  /** Stop (as SIGINT would) when this signal aborts; for embedding and tests. */
  signal?: AbortSignal;
}

const LATEST_SHOWN = 5;
const PROMPT = 'sitrep> ';

/** Hides credentials in a store URL (redis://user:secret@host → redis://user:***@host). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

async function statusLines(app: App): Promise<string[]> {
  const [count, feeds, subscriptions] = await Promise.all([
    Promise.resolve(app.reports.count()),
    Promise.resolve(app.feeds.list(LOCAL_GUILD_ID)).catch(() => []),
    app.subscriptions.list(LOCAL_GUILD_ID).catch(() => []),
  ]);
  const engine = llmConfigured(app.config)
    ? `LLM ${app.config.OPENAI_MODEL}${app.config.OPENAI_BASE_URL ? ` at ${app.config.OPENAI_BASE_URL}` : ''} (offline engine as fallback)`
    : 'offline (set OPENAI_API_KEY or OPENAI_BASE_URL for model summaries)';
  return [
    'Sitrep — local mode (no DISCORD_TOKEN set: commands run here, in the terminal)',
    `  Library:       ${plural(count, 'report')} (${existsSync(app.config.BRIEFS_DIR) ? 'briefs from' : 'no briefs folder at'} ${app.config.BRIEFS_DIR})`,
    `  Store:         ${redactUrl(app.store.url)}`,
    `  Engine:        ${engine}`,
    `  Feeds:         ${feeds.length}${feeds.length === 0 ? ' (add one with /sources add url:https://…)' : ''}`,
    `  Subscriptions: ${subscriptions.length}${subscriptions.length === 0 ? ' (try /briefing subscribe channel:terminal time:08:00 timezone:Europe/Rome)' : ''}`,
  ];
}

async function latestLines(app: App): Promise<string[]> {
  const reports = await app.reports.list({ limit: LATEST_SHOWN });
  if (reports.length === 0) return [`No reports yet: put Markdown briefs in ${app.config.BRIEFS_DIR} or run sitrep ingest <file|url>.`];
  const lines = ['Latest reports:'];
  for (const report of reports) {
    const meta = [report.source, reportDateLabel(report), report.authors.join(', ') || undefined].filter(Boolean).join(' · ');
    lines.push(`  • ${report.title}`, `    ${meta}`, `    id: ${report.id}`);
  }
  return lines;
}

function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * Local mode (`npm start` with no DISCORD_TOKEN): loads briefs/, prints a status, the latest reports and
 * today's briefing, runs scheduled briefings into the terminal, and takes slash commands at a prompt.
 * Interactive: `exit` or Ctrl-D quits. Non-interactive (CI, a service manager): piped commands are run,
 * then it stays up until SIGINT/SIGTERM, like the Discord bot would.
 */
export async function runLocalMode(app: App, io: LocalModeIo): Promise<void> {
  const interactive = io.interactive ?? Boolean((io.input as { isTTY?: boolean }).isTTY);
  let rl: Interface | undefined;
  const print = (text: string) => {
    io.output.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  // A command is running: its own output comes first, and the prompt returns only when it is done.
  let busy = false;
  // Scheduled briefings arrive while the prompt is shown: print above it, then redraw it (with what was typed).
  const printAsync = (text: string) => {
    print(text);
    if (interactive && rl && !busy) rl.prompt(true);
  };

  // At a prompt, info logs (JSON on stderr) would land in the middle of replies; warnings still show.
  if (interactive && app.logger.level === 'info') app.logger.level = 'warn';

  try {
    await ingestBriefs(app.ingest, app.config.BRIEFS_DIR, app.logger);
  } catch (error) {
    print(`Could not load the briefs in ${app.config.BRIEFS_DIR}: ${errorMessage(error)}`);
  }
  print((await statusLines(app)).join('\n'));
  print('');
  print((await latestLines(app)).join('\n'));

  if (llmConfigured(app.config)) print(`\nPreparing today's briefing with ${app.config.OPENAI_MODEL}…`);
  try {
    const briefing = await app.briefings.composeLatest({ timezone: localTimeZone() });
    print('');
    print(renderBriefingText(briefing));
  } catch (error) {
    app.logger.warn({ err: error }, 'could not compose today’s briefing');
    print(`\n(Today's briefing is not available: ${errorMessage(error)})`);
  }

  const transport = new TerminalTransport(printAsync, app.clock);
  // Only the terminal's own subscriptions: a store shared with a Discord deployment keeps its guilds'
  // briefings for the bot.
  app.briefings.start(transport, { accept: (sub) => sub.guildId === LOCAL_GUILD_ID });
  app.feeds.start();

  // Commands load only now, after the reports are on screen.
  const [{ runTerminalCommand }, { completeLineWithValues }, { bundledRegistry }, { terminalPlatform }] = await Promise.all([
    import('./run.ts'),
    import('./complete.ts'),
    import('../core/registry.ts'),
    import('./platform.ts'),
  ]);
  const { commands } = await bundledRegistry();
  const completionContext = { services: app, platform: terminalPlatform(transport) };
  // Buttons of the last answer, as numbered follow-ups.
  const session = { followUps: [] as string[] };
  // Option values (report titles, timezones, feeds) come from the commands' autocomplete, as on Discord.
  const completer = (line: string, callback: (error: null, result: [string[], string]) => void) => {
    completeLineWithValues(line, commands, completionContext).then(
      ({ completions, current, listing }) => {
        if (listing && listing.length > 0) {
          print(`\n${listing.map((choice) => `  ${choice}`).join('\n')}`);
          rl?.prompt(true);
        }
        callback(null, [completions, current]);
      },
      () => callback(null, [[], line]),
    );
  };

  print('');
  print('Type a command such as /report latest, /summarise report:<id> length:brief, or help; a number runs a follow-up of the last answer. exit quits.');

  await new Promise<void>((resolve) => {
    // Keeps the process alive when stdin is closed (non-interactive), until a signal stops it.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    let finished = false;
    let queue = Promise.resolve();
    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(keepAlive);
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      io.signal?.removeEventListener('abort', finish);
      rl?.close();
      app.briefings.stop();
      app.feeds.stop();
      // Let a command that is running finish printing before the app closes under it.
      void queue.finally(resolve);
    };
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    if (io.signal?.aborted) return finish();
    io.signal?.addEventListener('abort', finish);

    rl = createInterface({
      input: io.input,
      output: interactive ? io.output : undefined,
      terminal: interactive,
      prompt: PROMPT,
      completer: interactive ? completer : undefined,
      historySize: 200,
    });
    rl.on('line', (line) => {
      queue = queue.then(async () => {
        if (finished) return;
        const command = line.trim();
        if (/^\/?(exit|quit)$/i.test(command)) return finish();
        busy = true;
        try {
          if (command) print(`${await runTerminalCommand(app, command, { transport, session })}\n`);
        } finally {
          busy = false;
        }
        if (interactive && !finished) rl?.prompt();
      });
    });
    rl.on('SIGINT', finish);
    rl.on('close', () => {
      if (interactive) finish();
    });
    if (interactive) rl.prompt();
  });
}
