import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { createApp, type App } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { isUserError } from './core/errors.ts';
import { createLogger } from './logger.ts';
import { registerStart } from './cli/start.ts';
import { registerReports } from './cli/reports.ts';
import { registerAnalysis } from './cli/analysis.ts';
import { registerUsage } from './cli/usage.ts';
import { registerDiscord } from './cli/discord.ts';
import { registerBrief } from './cli/brief.ts';
import type { CliDeps } from './cli/deps.ts';

/** What every CLI module gets: a lazily built app (so `--help` needs no store) and the output stream. */
export type { CliDeps } from './cli/deps.ts';

export function buildProgram(deps: CliDeps): Command {
  const program = new Command()
    .name('sitrep')
    .description('Geopolitical analysis reports turned into Discord briefings: summaries and key actors.')
    .showHelpAfterError()
    .exitOverride();
  registerStart(program, deps);
  registerReports(program, deps);
  registerAnalysis(program, deps);
  registerUsage(program, deps);
  registerDiscord(program, deps);
  registerBrief(program, deps);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // A local .env is read the way Node itself does (variables already set in the environment win).
  if (existsSync('.env')) process.loadEnvFile('.env');
  let app: App | undefined;
  const deps: CliDeps = {
    async openApp(options = {}) {
      if (!app) {
        const config = loadConfig();
        // One-shot commands and local mode print for a person (or --json for a script): routine info logs on
        // stderr would only interleave with that. The Discord bot keeps info; an explicit LOG_LEVEL always wins.
        const runsDiscordBot = argv[2] === 'start' && Boolean(config.DISCORD_TOKEN);
        if (!process.env.LOG_LEVEL && !runsDiscordBot) config.LOG_LEVEL = 'warn';
        app = await createApp(config, { logger: createLogger(config.LOG_LEVEL, options.logBindings) });
      }
      return app;
    },
    out: process.stdout,
    err: process.stderr,
  };
  try {
    await buildProgram(deps).parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError || isUserError(error)) {
      process.stderr.write(`sitrep: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`sitrep: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  } finally {
    // Long-running commands (start) resolve only when they are told to stop.
    await app?.close();
  }
}

const isEntryPoint = process.argv[1] && /(?:cli\.[jt]s|sitrep(?:\.js)?)$/.test(process.argv[1]);
if (isEntryPoint) {
  const code = await main(process.argv);
  if (['start', 'proxy'].includes(process.argv[2] ?? '')) {
    // A stopped server exits now: a library's leftover timer (a gateway reconnect) must not keep it alive.
    process.exit(code);
  }
  process.exitCode = code;
}
