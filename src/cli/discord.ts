import type { Command } from 'commander';
import type { CliDeps } from './deps.ts';
import { UserError } from '../core/errors.ts';

// discord.js and the openai SDK are imported only when these commands run: every other `sitrep`
// command (and local mode's first screen) starts faster without them.
export function registerDiscord(program: Command, deps: CliDeps): void {
  program
    .command('deploy-commands')
    .description('Register the slash commands with Discord: in one server (instant, for development) or globally')
    .option('--guild <id>', 'register in this server only (default: DISCORD_DEV_GUILD_ID when set)')
    .option('--global', 'register for every server, even when DISCORD_DEV_GUILD_ID is set (takes up to an hour to appear)')
    .option('--print', 'print the command JSON instead of registering it')
    .action(async (options: { guild?: string; global?: boolean; print?: boolean }) => {
      const { runDeployCommands } = await import('../discord/admin.ts');
      deps.out.write(await runDeployCommands(options, deps.openApp));
    });

  program
    .command('doctor')
    .description("Check the Discord token, the store, the model and the bot's permissions in every subscribed channel")
    .action(async () => {
      const { runDoctor } = await import('../discord/admin.ts');
      const app = await deps.openApp();
      const results = await runDoctor(app);
      for (const r of results) deps.out.write(`${r.skipped ? '–' : r.ok ? '✔' : '✘'} ${r.name}: ${r.detail}\n`);
      const failed = results.filter((r) => !r.ok && !r.skipped);
      if (failed.length) throw new UserError(`doctor found ${failed.length} problem${failed.length === 1 ? '' : 's'}`);
    });
}
