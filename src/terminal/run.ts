import type { App } from '../app.ts';
import type { BriefingTransport } from '../briefings/transport.ts';
import { commands } from '../../commands/index.ts';
import { isUserError, UserError } from '../core/errors.ts';
import { helpText, parseCommandLine } from './parse.ts';
import { LOCAL_CHANNEL_ID, LOCAL_GUILD_ID, localInvoker, terminalPlatform } from './platform.ts';
import { renderReply } from './render.ts';
import { TerminalTransport } from './transport.ts';
import { errorMessage } from '../core/errors.ts';

export interface TerminalCommandOptions {
  /** Where `/briefing send-now` posts; by default its messages are returned with the reply. */
  transport?: BriefingTransport;
}

/**
 * Runs one typed line (`/summarise report:<id> length:brief`, `help`) exactly as Discord would run the
 * command — same definitions, same validation, same execute — and returns the reply as text.
 * User errors come back as "Error: …" text; unexpected errors are logged and reported with their message.
 */
export async function runTerminalCommand(app: App, line: string, options: TerminalCommandOptions = {}): Promise<string> {
  const trimmed = line.trim();
  if (!trimmed) return '';
  const help = /^\/?(help|\?)(?:\s+(\S+))?$/i.exec(trimmed);
  try {
    if (help) return helpText(commands, help[2]);
    const parsed = parseCommandLine(trimmed, commands);
    const posted: string[] = [];
    const transport = options.transport ?? new TerminalTransport((text) => posted.push(text));
    const input = {
      subcommand: parsed.subcommand,
      options: parsed.options,
      invoker: localInvoker(),
      guildId: LOCAL_GUILD_ID,
      channelId: LOCAL_CHANNEL_ID,
    };
    const moderatorOnly = parsed.command.moderatorOnly;
    if ((moderatorOnly === true || (Array.isArray(moderatorOnly) && parsed.subcommand && moderatorOnly.includes(parsed.subcommand))) && !input.invoker.isModerator) {
      throw new UserError('You need Manage Server or Manage Channels permission to use this command.');
    }
    const reply = await parsed.command.execute(input, { app, platform: terminalPlatform(transport) });
    return [...posted.map((text) => text.trim()), renderReply(reply)].filter(Boolean).join('\n\n');
  } catch (error) {
    if (isUserError(error)) return `Error: ${error.message}`;
    const message = errorMessage(error);
    app.logger.error({ err: error, line: trimmed }, 'terminal command failed');
    return `Something went wrong: ${message}`;
  }
}
