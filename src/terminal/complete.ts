import { ApplicationCommandOptionType, type APIApplicationCommandOption } from 'discord.js';
import type { CommandModule } from '../core/command.ts';

type Option = APIApplicationCommandOption;
const isSub = (o: Option) => o.type === ApplicationCommandOptionType.Subcommand || o.type === ApplicationCommandOptionType.SubcommandGroup;

/** Tab completion for the prompt: command names, subcommands, then `option:` names and choices. */
export function completeLine(line: string, commands: readonly CommandModule[]): [string[], string] {
  const words = line.replace(/^\s*\/?/, '').split(/\s+/);
  const current = words[words.length - 1] ?? '';
  const done = words.slice(0, -1);
  if (done.length === 0) {
    const typed = line.trimStart();
    const names = ['help', 'exit', ...commands.map((c) => `/${c.data.name}`)];
    return [names.filter((n) => n.startsWith(typed) || n.startsWith(`/${typed}`)).map((n) => `${n} `), typed];
  }
  const command = commands.find((c) => c.data.name === done[0]!.toLowerCase());
  if (!command) return [[], current];
  let options = (command.data.toJSON().options ?? []) as Option[];
  for (const word of done.slice(1)) {
    const sub = options.find((o) => isSub(o) && o.name === word);
    if (!sub) break;
    options = ('options' in sub ? sub.options ?? [] : []) as Option[];
  }
  if (options.some(isSub)) return [options.filter((o) => isSub(o) && o.name.startsWith(current)).map((o) => `${o.name} `), current];
  const colon = current.indexOf(':');
  if (colon > 0) {
    const option = options.find((o) => o.name === current.slice(0, colon));
    const choices = option && 'choices' in option && option.choices ? option.choices.map((c) => `${option.name}:${c.value}`) : [];
    return [choices.filter((c) => c.startsWith(current)).map((c) => `${c} `), current];
  }
  const used = new Set(done.map((w) => w.split(':')[0]));
  return [options.filter((o) => !used.has(o.name) && o.name.startsWith(current)).map((o) => `${o.name}:`), current];
}
