import type { Command } from 'commander';
import type { CliDeps } from '../cli.ts';

export function registerStart(program: Command, deps: CliDeps): void {
  program
    .command('start')
    .description('Run the bot: on Discord when DISCORD_TOKEN is set, otherwise locally in this terminal')
    .action(async () => {
      const app = await deps.openApp();
      if (app.config.DISCORD_TOKEN) {
        const { runDiscordBot } = await import('../discord/bot.ts');
        await runDiscordBot(app);
      } else {
        const { runLocalMode } = await import('../terminal/local.ts');
        await runLocalMode(app, { input: process.stdin, output: process.stdout });
      }
    });
}
