import { readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CommandModule, Handler } from './command.ts';

/**
 * The one command registry: every command of `commands/` (one file, or one folder with an index, per
 * command), looked up by name or alias. Loading fails loudly: a module that is not a command, or two
 * commands with one name, stop the start with a message naming the file, instead of a silently missing command.
 */

export const COMMANDS_DIR = fileURLToPath(new URL('../../commands/', import.meta.url));

function isHandler(value: unknown): value is Handler {
  const v = value as Partial<Handler> | undefined;
  return Boolean(v && typeof v === 'object' && typeof v.execute === 'function' && Array.isArray(v.options));
}

/** Why `value` is not a command module, or undefined when it is one. */
function commandProblem(value: unknown): string | undefined {
  const v = value as Partial<CommandModule> | undefined;
  if (!v || typeof v !== 'object') return 'it does not default-export a command';
  if (v.data && v.data.type === 3) {
    // Context-menu names are shown as they are ("Summarise link"): 1-32 characters, spaces allowed; no description.
    if (typeof v.data.name !== 'string' || !/^[-_ \p{L}\p{N}]{1,32}$/u.test(v.data.name) || v.data.name.trim() !== v.data.name)
      return 'its data has no valid menu name (1-32 characters)';
    if (!v.handler || !isHandler(v.handler)) return `"${v.data.name}" has no handler`;
    return undefined;
  }
  if (!v.data || typeof v.data.name !== 'string' || !/^[-_\p{L}\p{N}]{1,32}$/u.test(v.data.name))
    return 'its data has no valid name (1-32 lowercase letters, digits, "-" or "_")';
  if (typeof (v.data as { description?: unknown }).description !== 'string' || !(v.data as { description?: string }).description)
    return `/${v.data.name} has no description`;
  if (v.handler && !isHandler(v.handler)) return `/${v.data.name} has a handler without execute()`;
  if (v.subcommands) {
    for (const [name, sub] of Object.entries(v.subcommands)) if (!isHandler(sub)) return `/${v.data.name} ${name} has no execute()`;
  }
  if (!v.handler && (!v.subcommands || Object.keys(v.subcommands).length === 0)) return `/${v.data.name} has neither a handler nor subcommands`;
  return undefined;
}

export function isCommandModule(value: unknown): value is CommandModule {
  return commandProblem(value) === undefined;
}

export class CommandRegistry {
  private readonly byName = new Map<string, CommandModule>();
  private readonly byAction = new Map<string, CommandModule>();

  constructor(entries: ReadonlyArray<{ module: unknown; source: string }>) {
    const sources = new Map<string, string>();
    for (const { module, source } of entries) {
      const problem = commandProblem(module);
      if (problem) throw new Error(`Invalid command module ${source}: ${problem}.`);
      const command = module as CommandModule;
      for (const name of [command.data.name, ...(command.aliases ?? [])].map((n) => n.toLowerCase())) {
        const other = sources.get(name);
        if (other) throw new Error(`Duplicate command name "${name}": defined by ${other} and by ${source}.`);
        sources.set(name, source);
        this.byName.set(name, command);
      }
      for (const action of Object.keys(command.actions ?? {})) {
        const other = this.byAction.get(action);
        if (other) throw new Error(`Duplicate action "${action}": answered by /${other.data.name} and by ${source}.`);
        this.byAction.set(action, command);
      }
    }
    this.commands = [...new Set(this.byName.values())];
  }

  /** Every command once, in load order. */
  readonly commands: readonly CommandModule[];

  /** A command by its name or an alias, case-insensitively. */
  get(name: string): CommandModule | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** The command that answers an action (a button). */
  commandForAction(action: string): CommandModule | undefined {
    return this.byAction.get(action);
  }

  /** Every name a person may type, aliases included. */
  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** A registry of modules already in hand (tests, benchmarks); the same checks as the loader. */
export function createRegistry(modules: readonly unknown[]): CommandRegistry {
  return new CommandRegistry(modules.map((module, i) => ({ module, source: `#${i + 1}${describeName(module)}` })));
}

function describeName(module: unknown): string {
  const name = (module as { data?: { name?: unknown } } | undefined)?.data?.name;
  return typeof name === 'string' ? ` (/${name})` : '';
}

const MODULE_FILE = /^[^_.].*\.(?:ts|js|mjs)$/;
const NOT_MODULE = /\.(?:d|test|spec)\.[mc]?[tj]s$/;

/** Loads every command of `dir`: `name.ts` files and `name/index.ts` folders; `_`-prefixed entries hold shared helpers. */
export async function loadRegistry(dir: string = COMMANDS_DIR): Promise<CommandRegistry> {
  const entries: Array<{ module: unknown; source: string }> = [];
  for (const entry of (await readdir(dir)).sort()) {
    if (entry.startsWith('_') || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    let file: string | undefined;
    if ((await stat(path)).isDirectory()) {
      file = ['index.ts', 'index.js', 'index.mjs'].map((f) => join(path, f)).find((f) => existsSync(f));
      if (!file) throw new Error(`Invalid command folder ${path}: it has no index.ts.`);
    } else if (MODULE_FILE.test(entry) && !NOT_MODULE.test(entry)) {
      file = path;
    }
    if (!file) continue;
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    entries.push({ module: mod.default, source: file });
  }
  return new CommandRegistry(entries);
}

let bundled: Promise<CommandRegistry> | undefined;

/** The bundled commands, loaded once per process. */
export function bundledRegistry(): Promise<CommandRegistry> {
  bundled ??= loadRegistry();
  return bundled;
}

/** The bundled commands (or those of `dir`) as a list, for transports that register them. */
export async function loadCommands(dir?: string): Promise<CommandModule[]> {
  return [...(dir ? await loadRegistry(dir) : await bundledRegistry()).commands];
}
