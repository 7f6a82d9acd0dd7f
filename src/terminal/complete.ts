import { ApplicationCommandOptionType, type APIApplicationCommandOption } from 'discord-api-types/v10';
import { topLevelOptions, type CommandContext, type CommandModule } from '../core/command.ts';
import { LOCAL_GUILD_ID } from './platform.ts';
import { findCommand, terminalName } from './parse.ts';

type Option = APIApplicationCommandOption;
const isSub = (o: Option) => o.type === ApplicationCommandOptionType.Subcommand || o.type === ApplicationCommandOptionType.SubcommandGroup;

interface LineContext {
  command?: CommandModule;
  subcommand?: string;
  options: Option[];
  done: string[];
  current: string;
}

function lineContext(line: string, commands: readonly CommandModule[]): LineContext {
  const body = line.replace(/^\s*\/?/, '');
  // The word being typed; an option value opened with a quote may hold spaces (report:"china defence).
  const quoted = /(?:^|\s)([a-z][\w-]*:["'“][^"'”]*)$/i.exec(body);
  const words = (quoted ? body.slice(0, body.length - quoted[1]!.length) : body).split(/\s+/);
  const current = quoted ? quoted[1]! : (words.pop() ?? '');
  const done = quoted ? words.filter(Boolean) : words;
  const command = done.length > 0 ? findCommand(commands, done[0]!) : undefined;
  let options = (command ? topLevelOptions(command) : []) as Option[];
  let subcommand: string | undefined;
  for (const word of done.slice(1)) {
    const sub = options.find((o) => isSub(o) && o.name === word.toLowerCase());
    if (!sub) break;
    subcommand = sub.name;
    options = ('options' in sub ? (sub.options ?? []) : []) as Option[];
  }
  return { command, subcommand, options, done, current };
}

/** Tab completion for the prompt: command names, subcommands, then `option:` names and choices. */
export function completeLine(line: string, commands: readonly CommandModule[]): [string[], string] {
  const { command, options, done, current } = lineContext(line, commands);
  if (done.length === 0) {
    const typed = line.trimStart();
    const names = ['help', 'exit', ...commands.map((c) => `/${terminalName(c)}`)];
    return [names.filter((n) => n.startsWith(typed) || n.startsWith(`/${typed}`)).map((n) => `${n} `), typed];
  }
  if (!command) return [[], current];
  if (options.some(isSub)) return [options.filter((o) => isSub(o) && o.name.startsWith(current.toLowerCase())).map((o) => `${o.name} `), current];
  const colon = current.indexOf(':');
  if (colon > 0) {
    const option = options.find((o) => o.name === current.slice(0, colon));
    const choices = option && 'choices' in option && option.choices ? option.choices.map((c) => `${option.name}:${c.value}`) : [];
    return [choices.filter((c) => c.startsWith(current)).map((c) => `${c} `), current];
  }
  const used = new Set(done.map((w) => w.split(':')[0]));
  return [options.filter((o) => !used.has(o.name) && o.name.startsWith(current)).map((o) => `${o.name}:`), current];
}

export interface Completion {
  /** What readline offers (and inserts when there is one, or a common prefix). */
  completions: string[];
  /** The word being completed. */
  current: string;
  /** Choices to show the person when they cannot be inserted as a prefix (`id — title` lines). */
  listing?: string[];
}

const quoteIfNeeded = (value: string) => (/[\s"']/.test(value) ? `"${value.replace(/(["\\])/g, '\\$1')}"` : value);

/**
 * Completion with option values as Discord's autocomplete offers them (report titles → ids, timezones,
 * feeds): the same handler's `autocomplete` answers both, so the terminal suggests exactly what Discord would.
 */
export async function completeLineWithValues(line: string, commands: readonly CommandModule[], ctx: CommandContext): Promise<Completion> {
  const [completions, current] = completeLine(line, commands);
  if (completions.length > 0) return { completions, current };
  const context = lineContext(line, commands);
  const colon = context.current.indexOf(':');
  const handler = context.command?.subcommands ? (context.subcommand ? context.command.subcommands[context.subcommand] : undefined) : context.command?.handler;
  if (!handler?.autocomplete || colon <= 0) return { completions, current };
  const name = context.current.slice(0, colon);
  const option = context.options.find((o) => o.name === name);
  if (!option || !('autocomplete' in option) || !option.autocomplete) return { completions, current };
  const typed = context.current.slice(colon + 1).replace(/^["'“]/, '');
  let choices;
  try {
    choices = await handler.autocomplete({ subcommand: context.subcommand, focused: { name, value: typed }, options: {}, guildId: LOCAL_GUILD_ID }, ctx);
  } catch {
    // A failing suggestion source must not break typing; the command itself will report the problem.
    return { completions, current };
  }
  const values = choices.map((c) => `${name}:${quoteIfNeeded(c.value)} `);
  const plain = choices.every((c) => c.name === c.value) && values.every((v) => v.startsWith(current));
  if (values.length <= 1 || plain) return { completions: values, current };
  // Several reports or feeds: show their titles with the ids to type; inserting a common prefix of the ids
  // would also lose what was typed.
  return { completions: [], current, listing: choices.map((c) => (c.name === c.value ? c.value : `${c.value} — ${c.name}`)) };
}
