import type { CommandServices } from '../core/command.ts';
import type { BriefingTransport } from '../briefings/transport.ts';
import { dispatch, dispatchAction } from '../core/dispatch.ts';
import { bundledRegistry } from '../core/registry.ts';
import { isUserError, errorMessage } from '../core/errors.ts';
import { helpText, parseCommandLine } from './parse.ts';
import { LOCAL_CHANNEL_ID, LOCAL_GUILD_ID, localInvoker, terminalPlatform } from './platform.ts';
import { renderReply } from './render.ts';
import { TerminalTransport } from './transport.ts';

export interface TerminalCommandOptions {
  /** Where `/briefing send-now` posts; by default its messages are returned with the reply. */
  transport?: BriefingTransport;
  /** Keeps the last answer's buttons as numbered follow-ups: typing `2` runs the second one. */
  session?: TerminalSession;
}

export interface TerminalSession {
  followUps: string[];
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
    const posted: string[] = [];
    const transport = options.transport ?? new TerminalTransport((text) => posted.push(text), services.clock);
    const ctx = { services, platform: terminalPlatform(transport) };
    const base = { invoker: localInvoker(), guildId: LOCAL_GUILD_ID, channelId: LOCAL_CHANNEL_ID };
    const followUp = /^\d{1,3}$/.test(trimmed) ? Number(trimmed) : undefined;
    let result;
    if (followUp !== undefined) {
      const offered = options.session?.followUps ?? [];
      const id = offered[followUp - 1];
      if (!id) return `Error: There is no follow-up [${followUp}]${offered.length > 0 ? `: the last answer offered 1-${offered.length}` : ''}.`;
      result = await dispatchAction(registry, id, base, ctx);
    } else {
      const parsed = parseCommandLine(trimmed, commands);
      result = await dispatch(registry, { ...base, command: parsed.command.data.name, subcommand: parsed.subcommand, options: parsed.options }, ctx);
    }
    if (result.status === 'user_error') return `Error: ${result.reply.content ?? ''}`;
    if (result.status === 'failed' || result.status === 'transport_error') return `Something went wrong: ${errorMessage(result.error)}`;
    const followUps: string[] | undefined = options.session ? [] : undefined;
    const text = renderReply(result.reply, followUps);
    if (options.session && followUps) options.session.followUps = followUps;
    return [...posted.map((t) => t.trim()), text].filter(Boolean).join('\n\n');
  } catch (error) {
    // Parsing errors (unknown command, bad option syntax) are UserErrors too.
    if (isUserError(error)) return `Error: ${error.message}`;
    services.logger.error({ err: error, line: trimmed }, 'terminal command failed');
    return `Something went wrong: ${errorMessage(error)}`;
  }
}
