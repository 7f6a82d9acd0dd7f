import { randomBytes } from 'node:crypto';
import {
  ApplicationCommandOptionType,
  GuildMember,
  MessageFlags,
  PermissionFlagsBits,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Interaction,
} from 'discord.js';
import type { App } from '../app.ts';
import type { Logger } from '../logger.ts';
import type { AutocompleteInput, ChannelRef, CommandContext, CommandInput, CommandModule, OptionValue, Platform } from '../core/command.ts';
import type { Choice, Reply } from '../core/reply.ts';
import { isUserError } from '../core/errors.ts';
import { renderReply, toInteractionOptions, type DiscordMessage, type RenderOptions } from './render.ts';
import { discordErrorMessage, isActionableDiscordError } from './errors.ts';

/** Discord drops an interaction not acknowledged within 3 s; past this, a command that did not ask to defer is deferred anyway. */
const AUTO_DEFER_MS = 2_000;
/** Autocomplete must answer within 3 s: whatever is not ready by then is answered with no choices. */
const AUTOCOMPLETE_BUDGET_MS = 2_500;
const MAX_CHOICES = 25;
const MAX_CHOICE_LENGTH = 100;

export interface InteractionRouterDeps {
  app: App;
  commands: readonly CommandModule[];
  platform: Platform;
  logger?: Logger;
}

export type InteractionHandler = (interaction: Interaction) => Promise<void>;

/**
 * The interaction router: slash commands and autocomplete to command modules, with the one error
 * fallback. The returned handler never rejects, whatever the command or Discord does.
 */
export function createInteractionRouter(deps: InteractionRouterDeps): InteractionHandler {
  const logger = deps.logger ?? deps.app.logger;
  const byName = new Map(deps.commands.map((c) => [c.data.name, c]));
  const ctx: CommandContext = { app: deps.app, platform: deps.platform };

  return async (interaction) => {
    try {
      if (interaction.isChatInputCommand()) await runCommand(interaction);
      else if (interaction.isAutocomplete()) await runAutocomplete(interaction);
    } catch (error) {
      // Only reached if the error fallback itself throws; never let it out.
      logger.error({ err: error }, 'interaction handler failed');
    }
  };

  async function runCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const started = Date.now();
    const command = byName.get(interaction.commandName);
    try {
      if (!command) {
        await send(interaction, { content: `/${interaction.commandName} is not available any more. The server's command list may be out of date.`, ephemeral: true });
        return;
      }
      const input = toCommandInput(interaction);
      if (needsModerator(command, input.subcommand) && !input.invoker.isModerator) {
        const name = ['/' + interaction.commandName, input.subcommand].filter(Boolean).join(' ');
        await send(interaction, {
          content: input.guildId
            ? `${name} is for moderators: you need the Manage Server or Manage Channels permission.`
            : `${name} only works inside a server, by its moderators.`,
          ephemeral: true,
        });
        return;
      }
      if (command.defers?.(input, ctx)) {
        await interaction.deferReply(command.defersEphemeral?.(input, ctx) ? { flags: MessageFlags.Ephemeral } : {});
      }
      const reply = await executeWithAutoDefer(interaction, command.execute(input, ctx));
      await send(interaction, reply);
      logger.debug({ command: interaction.commandName, subcommand: input.subcommand, ms: Date.now() - started }, 'command answered');
    } catch (error) {
      await fail(interaction, error);
    }
  }

  /** Defers when the command is still running after AUTO_DEFER_MS, so a slow path never loses the interaction. */
  async function executeWithAutoDefer(interaction: ChatInputCommandInteraction, running: Promise<Reply>): Promise<Reply> {
    if (interaction.deferred || interaction.replied) return running;
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>((resolve) => {
      timer = setTimeout(() => resolve('slow'), AUTO_DEFER_MS);
    });
    try {
      const first = await Promise.race([running, slow]);
      if (first !== 'slow') return first;
      // If deferring fails (interaction already gone) the command's outcome still decides what we report.
      await interaction.deferReply().catch((error: unknown) => logger.warn({ err: error }, 'auto-defer failed'));
      return await running;
    } finally {
      clearTimeout(timer);
    }
  }

  async function runAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const command = byName.get(interaction.commandName);
    let choices: Choice[] = [];
    try {
      if (command?.autocomplete) {
        const input = toAutocompleteInput(interaction);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<Choice[]>((resolve) => {
          timer = setTimeout(() => resolve([]), AUTOCOMPLETE_BUDGET_MS);
        });
        choices = await Promise.race([command.autocomplete(input, ctx), late]).finally(() => clearTimeout(timer));
      }
    } catch (error) {
      logger.warn({ err: error, command: interaction.commandName }, 'autocomplete failed; answering no choices');
      choices = [];
    }
    try {
      await interaction.respond(sanitiseChoices(choices));
    } catch (error) {
      logger.warn({ err: error, command: interaction.commandName }, 'autocomplete response was refused');
    }
  }

  async function send(interaction: ChatInputCommandInteraction, reply: Reply): Promise<void> {
    const options: RenderOptions = { isKnownChannel: (id) => isKnownChannel(interaction, id) };
    const messages = renderReply(reply, options);
    await deliver(interaction, messages);
  }

  async function fail(interaction: ChatInputCommandInteraction, error: unknown): Promise<void> {
    let content: string;
    if (isUserError(error)) {
      content = error.message;
      logger.debug({ command: interaction.commandName, code: error.code, message: error.message }, 'user error');
    } else if (isActionableDiscordError(error)) {
      content = discordErrorMessage(error)!;
      logger.info({ err: error, command: interaction.commandName }, 'Discord refused an action');
    } else {
      const errorId = randomBytes(4).toString('hex');
      logger.error(
        { err: error, errorId, command: interaction.commandName, guildId: interaction.guildId, userId: interaction.user.id },
        'command failed unexpectedly',
      );
      content = `Something went wrong (error id ${errorId}). Please try again in a moment; if it keeps happening, give this id to the bot's maintainers.`;
    }
    try {
      await deliver(interaction, renderReply({ content, ephemeral: true }));
    } catch (deliveryError) {
      logger.warn({ err: deliveryError, command: interaction.commandName }, 'could not tell the user about an error');
    }
  }
}

/**
 * Sends rendered messages as the interaction's answer: reply (or editReply after a deferral) for the first,
 * followUp for the rest. An answer whose visibility differs from the deferral's placeholder replaces it
 * with a follow-up, so private output is never shown to the channel (and public output not hidden).
 */
export async function deliver(interaction: ChatInputCommandInteraction, messages: DiscordMessage[]): Promise<void> {
  const [first, ...rest] = messages;
  if (!first) return;
  if (interaction.replied) {
    for (const m of messages) await interaction.followUp(toInteractionOptions(m));
    return;
  }
  if (interaction.deferred) {
    const deferredEphemeral = Boolean(interaction.ephemeral);
    // The placeholder's visibility cannot change: a reply of the other kind replaces it by a follow-up.
    if (first.ephemeral !== deferredEphemeral) {
      await interaction.deleteReply().catch(() => undefined);
      for (const m of messages) await interaction.followUp(toInteractionOptions(m));
      return;
    }
    const { content, embeds, allowedMentions } = toInteractionOptions(first);
    await interaction.editReply({ content, embeds, allowedMentions });
  } else {
    await interaction.reply(toInteractionOptions(first));
  }
  for (const m of rest) await interaction.followUp(toInteractionOptions(m));
}

/**
 * Channel links (<#id>, which never ping) are kept for channels of this guild. When the gateway has not
 * given us the guild's channels (a guild announced without them, or not at all) the cache cannot tell,
 * so links are kept unless the id is a known channel of another guild.
 */
function isKnownChannel(interaction: ChatInputCommandInteraction, channelId: string): boolean {
  const guild = interaction.guild;
  if (guild?.channels.cache.has(channelId)) return true;
  if (!interaction.guildId || (guild && guild.available && guild.channels.cache.size > 0)) return false;
  const elsewhere = interaction.client.channels.cache.get(channelId);
  return !elsewhere || ('guildId' in elsewhere && elsewhere.guildId === interaction.guildId);
}

function needsModerator(command: CommandModule, subcommand: string | undefined): boolean {
  const rule = command.moderatorOnly;
  if (rule === true) return true;
  if (!rule || !subcommand) return false;
  return rule.includes(subcommand) || rule.includes(subcommand.split(' ').pop()!);
}

export function isModerator(interaction: Interaction): boolean {
  if (!interaction.inGuild()) return false;
  // The owner has every permission; a server that computes member.permissions from roles alone may not say so.
  if (interaction.guild?.ownerId === interaction.user.id) return true;
  // Without `member.permissions` in the payload, discord.js can still compute them from a cached guild's roles.
  const member = interaction.member;
  const perms = interaction.memberPermissions ?? (member instanceof GuildMember && member.guild.roles.everyone ? member.permissions : null);
  return Boolean(perms && (perms.has(PermissionFlagsBits.ManageGuild) || perms.has(PermissionFlagsBits.ManageChannels)));
}

export function toCommandInput(interaction: ChatInputCommandInteraction): CommandInput {
  const { subcommand, leaves } = flattenOptions(interaction.options.data);
  const member = interaction.member;
  const displayName =
    (member && 'displayName' in member ? member.displayName : undefined) ?? interaction.user.globalName ?? interaction.user.username;
  return {
    subcommand,
    options: Object.fromEntries(leaves.map((o) => [o.name, optionValue(o)])),
    invoker: { id: interaction.user.id, name: displayName, isModerator: isModerator(interaction) },
    guildId: interaction.guildId ?? undefined,
    channelId: interaction.channelId ?? undefined,
  };
}

export function toAutocompleteInput(interaction: AutocompleteInteraction): AutocompleteInput {
  const { subcommand, leaves } = flattenOptions(interaction.options.data);
  const focused = interaction.options.getFocused(true);
  return {
    subcommand,
    focused: { name: focused.name, value: String(focused.value ?? '') },
    options: Object.fromEntries(leaves.map((o) => [o.name, optionValue(o)])),
    guildId: interaction.guildId ?? undefined,
  };
}

function flattenOptions(data: readonly CommandInteractionOption[]): { subcommand?: string; leaves: readonly CommandInteractionOption[] } {
  const [first] = data;
  if (first?.type === ApplicationCommandOptionType.SubcommandGroup) {
    const sub = first.options?.[0];
    return { subcommand: sub ? `${first.name} ${sub.name}` : first.name, leaves: sub?.options ?? [] };
  }
  if (first?.type === ApplicationCommandOptionType.Subcommand) return { subcommand: first.name, leaves: first.options ?? [] };
  return { leaves: data };
}

function optionValue(option: CommandInteractionOption): OptionValue | undefined {
  switch (option.type) {
    case ApplicationCommandOptionType.Channel: {
      const channel = option.channel as { id: string; name?: string | null; guildId?: string; guild_id?: string } | null | undefined;
      const ref: ChannelRef = { id: channel?.id ?? String(option.value) };
      if (channel?.name) ref.name = channel.name;
      const guildId = channel?.guildId ?? channel?.guild_id;
      if (guildId) ref.guildId = guildId;
      return ref;
    }
    case ApplicationCommandOptionType.Attachment:
      return option.attachment?.url;
    case ApplicationCommandOptionType.User:
    case ApplicationCommandOptionType.Role:
    case ApplicationCommandOptionType.Mentionable:
      return option.value === undefined ? undefined : String(option.value);
    default:
      return option.value ?? undefined;
  }
}

/** At most 25 choices, names 1–100 characters, string values of at most 100: what Discord accepts. */
export function sanitiseChoices(choices: readonly Choice[]): Choice[] {
  const out: Choice[] = [];
  const seen = new Set<string>();
  for (const choice of choices) {
    if (out.length >= MAX_CHOICES) break;
    const value = String(choice.value ?? '');
    if (!value || value.length > MAX_CHOICE_LENGTH || seen.has(value)) continue;
    const name = String(choice.name ?? '').replace(/\s+/g, ' ').trim() || value;
    seen.add(value);
    out.push({ name: name.length > MAX_CHOICE_LENGTH ? `${name.slice(0, MAX_CHOICE_LENGTH - 1).trimEnd()}…` : name, value });
  }
  return out;
}
