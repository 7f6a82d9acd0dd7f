import type { CommandServices } from '../core/command.ts';
import type { BriefingTransport } from '../briefings/transport.ts';
import { dispatch } from '../core/dispatch.ts';
import { bundledRegistry } from '../core/registry.ts';
import { isUserError, errorMessage } from '../core/errors.ts';
import { helpText, parseCommandLine } from './parse.ts';
import { LOCAL_CHANNEL_ID, LOCAL_GUILD_ID, localInvoker, terminalPlatform } from './platform.ts';
import { renderReply } from './render.ts';
import { TerminalTransport } from './transport.ts';

export interface TerminalCommandOptions {
  /** Where `/briefing send-now` posts; by default its messages are returned with the reply. */
  transport?: BriefingTransport;
}

/**
 * Runs one typed line (`/summarise report:<id> length:brief`, `help`) exactly as Discord would run the
 * command — same definitions, same dispatcher (preconditions, option checks, error mapping) — and returns
 * the reply as text. User errors come back as "Error: …"; unexpected errors are logged with an error id.
 */
export async function runTerminalCommand(services: CommandServices, line: string, options: TerminalCommandOptions = {}): Promise<string> {
  const trimmed = line.trim();
  if (!trimmed) return '';
  const help = /^\/?(help|\?)(?:\s+(\S+))?$/i.exec(trimmed);
  try {
    const registry = await bundledRegistry();
    const commands = registry.commands;
    if (help) return helpText(commands, help[2]);
    const parsed = parseCommandLine(trimmed, commands);
    const posted: string[] = [];
    const transport = options.transport ?? new TerminalTransport((text) => posted.push(text), services.clock);
    const result = await dispatch(
      registry,
      {
        command: parsed.command.data.name,
        subcommand: parsed.subcommand,
        options: parsed.options,
        invoker: localInvoker(),
        guildId: LOCAL_GUILD_ID,
        channelId: LOCAL_CHANNEL_ID,
      },
      { services, platform: terminalPlatform(transport) },
    );
    if (result.status === 'user_error') return `Error: ${result.reply.content ?? ''}`;
    if (result.status === 'failed' || result.status === 'transport_error') return `Something went wrong: ${errorMessage(result.error)}`;
    return [...posted.map((text) => text.trim()), renderReply(result.reply)].filter(Boolean).join('\n\n');
  } catch (error) {
    // Parsing errors (unknown command, bad option syntax) are UserErrors too.
    if (isUserError(error)) return `Error: ${error.message}`;
    services.logger.error({ err: error, line: trimmed }, 'terminal command failed');
    return `Something went wrong: ${errorMessage(error)}`;
  }
}
