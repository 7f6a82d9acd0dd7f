import { ApplicationCommandOptionType, type APIApplicationCommandOption } from 'discord-api-types/v10';
import { isMessageMenu, topLevelOptions, type BasicOptionData, type CommandModule, type OptionValue } from '../core/command.ts';
import { UserError } from '../core/errors.ts';
import { shorten, validateOptions } from '../core/options.ts';
import { LOCAL_GUILD_ID } from './platform.ts';

/**
 * Parses slash commands typed in the terminal — `/report show report:"china defence"` — and validates
 * them against the same definitions Discord receives (`data`), so the terminal accepts exactly what
 * Discord would; the dispatcher then checks lengths and ranges for both. Hand-written because the syntax is Discord's own `name:value` form, which no
 * argv parser (commander, yargs) speaks.
 */

export interface Token {
  key?: string;
  value: string;
}

const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’', '«': '»' };

/** Splits a line into bare words and `key:value` pairs; values may be quoted ("…", '…', “…”). */
export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const readValue = (): string => {
    const close = QUOTES[line[i]!];
    if (close) {
      i++;
      let value = '';
      while (i < line.length && line[i] !== close) {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        value += line[i++];
      }
      if (i >= line.length) throw new UserError(`Unclosed quote: add a closing ${close}.`);
      i++;
      return value;
    }
    const start = i;
    while (i < line.length && !/\s/.test(line[i]!)) i++;
    return line.slice(start, i);
  };
  while (i < line.length) {
    if (/\s/.test(line[i]!)) {
      i++;
      continue;
    }
    const key = /^([a-z][\w-]*):/i.exec(line.slice(i));
    // A "key:" is an option name only when it starts a word: "08:00" or "https://x" as bare words stay words.
    if (key && !/^\d/.test(key[1]!) && !line.slice(i + key[0].length).startsWith('//')) {
      i += key[0].length;
      tokens.push({ key: key[1]!.toLowerCase(), value: /\s/.test(line[i] ?? ' ') ? '' : readValue() });
    } else {
      tokens.push({ value: readValue() });
    }
  }
  return tokens;
}

/**
 * The name a command is typed by here: its own, or for a message menu ("Summarise link", which has no
 * slash form on Discord) its first alias (`summarise-link`).
 */
export function terminalName(command: CommandModule): string {
  return isMessageMenu(command) ? (command.aliases?.[0] ?? command.data.name) : command.data.name;
}

/** A command by name or alias (`summarize` is `/summarise`, as in the CLI). */
export function findCommand(commands: readonly CommandModule[], name: string): CommandModule | undefined {
  const lower = name.toLowerCase();
  return commands.find((c) => c.data.name === lower) ?? commands.find((c) => c.aliases?.some((alias) => alias.toLowerCase() === lower));
}

export interface ParsedCommand {
  command: CommandModule;
  subcommand?: string;
  options: Record<string, OptionValue | undefined>;
}

type Option = APIApplicationCommandOption;

function isSubcommand(option: Option): boolean {
  return option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup;
}

/** "report:<title or id> [length:brief|standard|detailed]" */
function usageOf(options: readonly Option[]): string {
  return options
    .filter((o) => !isSubcommand(o))
    .map((o) => {
      const hint =
        'choices' in o && o.choices && o.choices.length > 0
          ? o.choices.map((c) => c.value).join('|')
          : o.type === ApplicationCommandOptionType.Integer && 'min_value' in o && o.min_value !== undefined && o.max_value !== undefined
            ? `${o.min_value}-${o.max_value}`
            : o.type === ApplicationCommandOptionType.Channel
              ? '#channel'
              : `<${o.name}>`;
      const text = `${o.name}:${hint}`;
      return o.required ? text : `[${text}]`;
    })
    .join(' ');
}

function usageLine(name: string, sub: string | undefined, options: readonly Option[]): string {
  return `/${[name, sub].filter(Boolean).join(' ')} ${usageOf(options)}`.trim();
}

/** Edit distance with adjacent swaps (optimal string alignment), for "did you mean" on a handful of names. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The name a typo most likely meant: the only name it starts, else the closest within two edits.
 * Hand-written: commander has one but does not export it, and these lists are a dozen names long.
 */
export function closestName(typed: string, names: readonly string[]): string | undefined {
  const word = typed.toLowerCase();
  if (!word) return undefined;
  const prefixed = names.filter((n) => n.startsWith(word));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(word.length / 2));
  for (const name of names) {
    const distance = editDistance(word, name);
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

const didYouMean = (name: string | undefined, render: (n: string) => string) => (name ? ` Did you mean ${render(name)}?` : '');

/** Option descriptions are written for Discord's picker; at the prompt, Tab does the picking. */
const describe = (option: Option) =>
  option.description.replace(
    /\(start typing( to pick| a city)?\)/i,
    (_, what: string | undefined) => `(type a few letters and press Tab${what === ' a city' ? ', e.g. rome' : ''})`,
  );

function convert(option: Option, raw: string, where: string): OptionValue {
  const fail = (why: string): never => {
    throw new UserError(`Invalid ${option.name}:${shorten(raw)} for ${where}: ${why}.`);
  };
  switch (option.type) {
    case ApplicationCommandOptionType.String: {
      if (option.choices && option.choices.length > 0) {
        const choice = option.choices.find((c) => c.value.toLowerCase() === raw.toLowerCase() || c.name.toLowerCase() === raw.toLowerCase());
        if (!choice) fail(`choose one of ${option.choices.map((c) => c.value).join(', ')}`);
        return choice!.value;
      }
      // Lengths are checked by the dispatcher, for every transport.
      return raw;
    }
    case ApplicationCommandOptionType.Integer:
    case ApplicationCommandOptionType.Number: {
      const integer = option.type === ApplicationCommandOptionType.Integer;
      if (!(integer ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)$/).test(raw)) fail(integer ? 'a whole number is expected' : 'a number is expected');
      const value = Number(raw);
      if (option.choices && option.choices.length > 0 && !option.choices.some((c) => c.value === value)) {
        fail(`choose one of ${option.choices.map((c) => c.value).join(', ')}`);
      }
      // Ranges are checked by the dispatcher, for every transport.
      return value;
    }
    case ApplicationCommandOptionType.Boolean: {
      const lower = raw.toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(lower)) return true;
      if (['false', 'no', 'off', '0'].includes(lower)) return false;
      return fail('use true or false');
    }
    case ApplicationCommandOptionType.Channel: {
      const name = raw.replace(/^<?#/, '').replace(/>$/, '');
      if (!name) fail('name a channel, e.g. #terminal');
      return { id: name, name, guildId: LOCAL_GUILD_ID };
    }
    default:
      return raw;
  }
}

/** Turns a typed line into a command invocation, or throws a UserError that says what to fix. */
export function parseCommandLine(line: string, commands: readonly CommandModule[]): ParsedCommand {
  const tokens = tokenize(line.trim().replace(/^\//, ''));
  const head = tokens.shift();
  if (!head || head.key) throw new UserError('Type a command such as /report latest, or help.');
  const name = head.value.toLowerCase();
  const command = findCommand(commands, name);
  if (!command) {
    const guess = closestName(name, commands.map(terminalName));
    throw new UserError(
      `Unknown command /${name}.${didYouMean(guess, (n) => `/${n}`)} Commands: ${commands.map((c) => `/${terminalName(c)}`).join(', ')}. Type help for details.`,
    );
  }

  let options: readonly Option[] = topLevelOptions(command) as readonly Option[];
  let subcommand: string | undefined;
  const path: string[] = [terminalName(command)];
  // Walk down subcommand groups and subcommands with the leading bare words.
  while (options.some(isSubcommand)) {
    const word = tokens[0] && !tokens[0].key ? tokens[0].value.toLowerCase() : undefined;
    const next = options.find((o) => isSubcommand(o) && o.name === word);
    if (!next) {
      const subs = options.filter(isSubcommand).map((o) => o.name);
      throw new UserError(
        `${word ? `Unknown subcommand “${word}” for` : 'Choose a subcommand of'} /${path.join(' ')}: ${subs.join(', ')}.${
          word ? didYouMean(closestName(word, subs), (n) => `/${path.join(' ')} ${n}`) : ''
        }\n${options
          .filter(isSubcommand)
          .map((o) => `  ${usageLine(path.join(' '), o.name, 'options' in o ? ((o.options ?? []) as Option[]) : [])}`)
          .join('\n')}`,
      );
    }
    tokens.shift();
    path.push(next.name);
    subcommand = next.name;
    options = 'options' in next ? ((next.options ?? []) as Option[]) : [];
  }

  const where = `/${path.join(' ')}`;
  const usage = `Usage: ${usageLine(path[0]!, path.slice(1).join(' ') || undefined, options)}`;
  const values: Record<string, OptionValue | undefined> = {};
  const bare: string[] = [];
  for (const token of tokens) {
    if (!token.key) {
      bare.push(token.value);
      continue;
    }
    const option = options.find((o) => o.name === token.key);
    if (!option) {
      const known = options.map((o) => o.name);
      throw new UserError(
        `Unknown option “${token.key}” for ${where}${known.length > 0 ? ` (options: ${known.join(', ')})` : ' (it takes no options)'}.${didYouMean(
          closestName(token.key!, known),
          (n) => `${n}:`,
        )}\n${usage}`,
      );
    }
    if (token.value === '') throw new UserError(`Option ${option.name} needs a value, e.g. ${option.name}:"…".\n${usage}`);
    if (option.name in values) throw new UserError(`Option ${option.name} is given twice.`);
    values[option.name] = convert(option, token.value, where);
  }
  if (bare.length > 0) {
    // Convenience: loose words fill the first missing required text option (`/report search china belarus`).
    const target = options.find((o) => o.required && !(o.name in values) && o.type === ApplicationCommandOptionType.String);
    if (!target) throw new UserError(`Unexpected “${bare.join(' ')}”: write options as name:value.\n${usage}`);
    values[target.name] = convert(target, bare.join(' '), where);
  }
  const missing = options.filter((o) => o.required && !(o.name in values));
  if (missing.length > 0) {
    // Descriptions are written for Discord's picker ("Title or id (start typing to pick)"); here the option
    // name with its description after a colon reads better, one per line.
    throw new UserError(`Missing required option${missing.length > 1 ? 's' : ''}:\n${missing.map((o) => `  ${o.name}: ${describe(o)}`).join('\n')}\n${usage}`);
  }
  // The dispatcher checks again; checking here too lets the usage line follow a bad value at once.
  try {
    validateOptions(options.filter((o) => !isSubcommand(o)) as BasicOptionData[], values, LOCAL_GUILD_ID);
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`${error.message}\n${usage}`, error.code);
    throw error;
  }
  return { command, subcommand, options: values };
}

/** Help text generated from the command definitions, so it never drifts from what the commands accept. */
export function helpText(commands: readonly CommandModule[], name?: string): string {
  const wanted = name ? findCommand(commands, name.replace(/^\//, '')) : undefined;
  const selected = name ? (wanted ? [wanted] : []) : commands;
  if (name && selected.length === 0) {
    const guess = closestName(name.replace(/^\//, ''), commands.map(terminalName));
    throw new UserError(`Unknown command ${name}.${didYouMean(guess, (n) => `help ${n}`)} Type help for the list.`);
  }
  const lines: string[] = [];
  for (const command of selected) {
    const options = topLevelOptions(command) as Option[];
    const subs = options.filter(isSubcommand);
    const json = {
      name: terminalName(command),
      description: isMessageMenu(command)
        ? `On Discord, the message menu “${command.data.name}” (Apps → ${command.data.name} on a message)`
        : (command.data as { description: string }).description,
    };
    if (subs.length === 0) {
      lines.push(`${usageLine(json.name, undefined, options)}`, `    ${json.description}`);
      if (name) for (const o of options) lines.push(`      ${o.name}: ${describe(o)}`);
    } else {
      for (const sub of subs) {
        const subOptions = 'options' in sub ? ((sub.options ?? []) as Option[]) : [];
        lines.push(`${usageLine(json.name, sub.name, subOptions)}`, `    ${sub.description}`);
        if (name) for (const o of subOptions) lines.push(`      ${o.name}: ${describe(o)}`);
      }
    }
  }
  if (!name) lines.push('', 'Quote values with spaces: /report show report:"china defence". help <command> for details; exit to quit.');
  return lines.join('\n');
}
