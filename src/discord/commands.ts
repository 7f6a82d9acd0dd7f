import { PermissionFlagsBits, Routes, type RESTPostAPIApplicationCommandsJSONBody } from 'discord-api-types/v10';
import type { REST } from 'discord.js';
import type { CommandModule } from '../core/command.ts';

export { COMMANDS_DIR, isCommandModule, loadCommands } from '../core/registry.ts';

/**
 * Discord requires *every* bit of default_member_permissions (discord-api-docs, "Using default
 * permissions"), so "Manage Server or Manage Channels" cannot be expressed: Manage Channels is the default
 * (the one moderators more often have), administrators always pass, server admins can change it under
 * Server Settings → Integrations, and the dispatcher checks "either" again at run time.
 */
export const MODERATOR_DEFAULT_PERMISSIONS = PermissionFlagsBits.ManageChannels;

/**
 * The JSON Discord registers — slash commands and message menus (type 3, "Summarise link") in one list —
 * with moderator defaults for wholly moderator-only commands.
 */
export function commandPayloads(commands: readonly CommandModule[]): RESTPostAPIApplicationCommandsJSONBody[] {
  return commands.map((command) => {
    const json = structuredClone(command.data) as RESTPostAPIApplicationCommandsJSONBody;
    // Partly moderator-only commands stay visible to everyone; the dispatcher refuses the moderator subcommands.
    if (command.moderator === true && (json.default_member_permissions === undefined || json.default_member_permissions === null)) {
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
