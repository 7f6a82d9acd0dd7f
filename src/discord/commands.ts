import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { PermissionFlagsBits, Routes, type REST, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { CommandModule } from '../core/command.ts';

export const COMMANDS_DIR = fileURLToPath(new URL('../../commands/', import.meta.url));

/**
 * Discord requires *every* bit of default_member_permissions (discord-api-docs, "Using default
 * permissions"), so "Manage Server or Manage Channels" cannot be expressed: Manage Channels is the default
 * (the one moderators more often have), administrators always pass, server admins can change it under
 * Server Settings → Integrations, and the router checks "either" again at run time.
 */
export const MODERATOR_DEFAULT_PERMISSIONS = PermissionFlagsBits.ManageChannels;

export function isCommandModule(value: unknown): value is CommandModule {
  const v = value as Partial<CommandModule> | undefined;
  return Boolean(v && typeof v === 'object' && v.data && typeof v.data.name === 'string' && typeof v.data.toJSON === 'function' && typeof v.execute === 'function');
}

/**
 * Every command module in `commands/`: each *.ts (or built *.js) file default-exporting a CommandModule.
 * Files starting with "_" or "." and helpers that export something else are skipped.
 */
export async function loadCommands(dir: string = COMMANDS_DIR): Promise<CommandModule[]> {
  const files = (await readdir(dir)).filter((f) => /^[^_.].*\.(?:ts|js|mjs)$/.test(f) && !/\.(?:d|test|spec)\.[mc]?[tj]s$/.test(f)).sort();
  const byName = new Map<string, CommandModule>();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default?: unknown };
    if (!isCommandModule(mod.default)) continue;
    if (!byName.has(mod.default.data.name)) byName.set(mod.default.data.name, mod.default);
  }
  return [...byName.values()];
}

/** The JSON Discord registers, with moderator defaults for wholly moderator-only commands. */
export function commandPayloads(commands: readonly CommandModule[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands.map((command) => {
    const json = command.data.toJSON();
    // Partly moderator-only commands stay visible to everyone; the router refuses the moderator subcommands.
    if (command.moderatorOnly === true && (json.default_member_permissions === undefined || json.default_member_permissions === null)) {
      return { ...json, default_member_permissions: MODERATOR_DEFAULT_PERMISSIONS.toString() };
    }
    return json;
  });
}

/** Replaces the registered commands: guild-scoped (instant, for development) or global (production). */
export async function deployCommands(
  rest: REST,
  applicationId: string,
  commands: readonly CommandModule[],
  guildId?: string,
): Promise<Array<{ id: string; name: string }>> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const body = commandPayloads(commands);
  const registered = (await rest.put(route, { body })) as unknown;
  // Discord answers with the registered list; a compatible server that answers without one still registered them.
  return Array.isArray(registered) ? (registered as Array<{ id: string; name: string }>) : body.map((c) => ({ id: '', name: c.name }));
}
