import {
  ApplicationCommandOptionType,
  GuildMember,
  MessageFlags,
  PermissionFlagsBits,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type StringSelectMenuInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Message,
  type MessageContextMenuCommandInteraction,
  type Interaction,
} from 'discord.js';
import type { Logger } from '../logger.ts';
import type { AutocompleteInput, ChannelRef, CommandContext, CommandModule, CommandServices, Invoker, OptionValue, Platform } from '../core/command.ts';
import type { Choice, Reply } from '../core/reply.ts';
import { autocomplete, dispatch, dispatchAction, errorResult, type DispatchHooks, type Invocation } from '../core/dispatch.ts';
import { createRegistry } from '../core/registry.ts';
import { decodeActionId, encodeActionId } from '../core/actions.ts';
import { truncate } from '../presentation/text.ts';
import { LIMITS, renderReply, stripBidi, toInteractionOptions, type DiscordMessage, type RenderOptions } from './render.ts';
import { discordErrorMessage, isActionableDiscordError } from './errors.ts';

/** Discord drops an interaction not acknowledged within 3 s; past this, a command that did not ask to defer is deferred anyway. */
const AUTO_DEFER_MS = 2_000;
/** Autocomplete must answer within 3 s: whatever is not ready by then is answered with no choices. */
const AUTOCOMPLETE_BUDGET_MS = 2_500;

export interface InteractionRouterDeps {
  /** What commands may use (an App will do). `app` is the older name of the same thing. */
  services?: CommandServices;
  app?: CommandServices;
  commands: readonly CommandModule[];
  platform: Platform;
  logger?: Logger;
}

export type InteractionHandler = (interaction: Interaction) => Promise<void>;

/**
 * The interaction router: translates slash commands, buttons and autocomplete into core/dispatch and the reply into
 * Discord messages. Lookup, preconditions, deferral and error mapping live in the dispatcher, shared with
 * the terminal. The returned handler never rejects, whatever the command or Discord does.
 */
export function createInteractionRouter(deps: InteractionRouterDeps): InteractionHandler {
  const services = deps.services ?? deps.app;
  if (!services) throw new Error('createInteractionRouter needs the services');
  const logger = deps.logger ?? services.logger;
  const registry = createRegistry(deps.commands);
  const ctx: CommandContext = { services, platform: deps.platform };

  return async (interaction) => {
    try {
      if (interaction.isChatInputCommand()) await runCommand(interaction, toInvocation(interaction));
      else if (interaction.isMessageContextMenuCommand()) await runCommand(interaction, toMenuInvocation(interaction));
      else if (interaction.isAutocomplete()) await runAutocomplete(interaction);
      else if (interaction.isButton() || interaction.isStringSelectMenu()) await runAction(interaction);
    } catch (error) {
      // Only reached if the error fallback itself throws; never let it out.
      logger.error({ err: error }, 'interaction handler failed');
    }
  };

  async function runCommand(interaction: CommandLikeInteraction, invocation: Invocation): Promise<void> {
    const hooks: DispatchHooks = {
      logger,
      autoDeferMs: AUTO_DEFER_MS,
      defer: async (ephemeral) => {
        if (interaction.deferred || interaction.replied) return;
        await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
      },
      describeError: (error) => (isActionableDiscordError(error) ? discordErrorMessage(error) : undefined),
    };
    const result = await dispatch(registry, invocation, ctx, hooks);
    try {
      await send(interaction, result.reply);
    } catch (error) {
      // Discord refused the answer itself: say so if it lets us, else log.
      const failure = errorResult(error, invocation, hooks, logger);
      try {
        await send(interaction, failure.reply);
      } catch (deliveryError) {
        logger.warn({ err: deliveryError, command: interaction.commandName }, 'could not tell the user about an error');
      }
    }
  }

  /**
   * A button or a menu: its stateless id runs an action of a command through the same dispatcher and
   * preconditions; a menu's picked value is the action's last argument.
   */
  async function runAction(interaction: ComponentInteraction): Promise<void> {
    const base = { invoker: invokerOf(interaction), guildId: interaction.guildId ?? undefined, channelId: interaction.channelId ?? undefined };
    const hooks: DispatchHooks = {
      logger,
      autoDeferMs: AUTO_DEFER_MS,
      // What a button asks for is private unless it pages the message itself (see dispatchAction).
      defer: async () => {
        if (!interaction.deferred && !interaction.replied) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      },
      describeError: (error) => (isActionableDiscordError(error) ? discordErrorMessage(error) : undefined),
    };
    const result = await dispatchAction(registry, actionIdOf(interaction), base, ctx, hooks);
    try {
      const messages = renderReply(result.reply, { isKnownChannel: (id) => isKnownChannel(interaction, id) });
      if (result.update && !interaction.deferred && !interaction.replied) {
        const { flags: _flags, ...page } = toInteractionOptions(messages[0]!);
        await interaction.update(page);
      } else {
        await deliver(interaction, messages);
      }
    } catch (error) {
      logger.warn({ err: error, customId: interaction.customId }, 'could not answer a button');
    }
  }

  async function runAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    let choices: Choice[] = [];
    try {
      const input = toAutocompleteInput(interaction);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<Choice[]>((resolve) => {
        timer = setTimeout(() => resolve([]), AUTOCOMPLETE_BUDGET_MS);
      });
      choices = await Promise.race([autocomplete(registry, interaction.commandName, input, ctx), late]).finally(() => clearTimeout(timer));
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

  async function send(interaction: CommandLikeInteraction, reply: Reply): Promise<void> {
    const options: RenderOptions = { isKnownChannel: (id) => isKnownChannel(interaction, id) };
    const messages = renderReply(reply, options);
    await deliver(interaction, messages);
  }
}

/**
 * Sends rendered messages as the interaction's answer: reply (or editReply after a deferral) for the first,
 * followUp for the rest. An answer whose visibility differs from the deferral's placeholder replaces it
 * with a follow-up, so private output is never shown to the channel (and public output not hidden).
 */
type ComponentInteraction = ButtonInteraction | StringSelectMenuInteraction;
/** What runs a command: a slash command, or a message menu ("Summarise link"). */
type CommandLikeInteraction = ChatInputCommandInteraction | MessageContextMenuCommandInteraction;

/** The action id a component stands for: a button's own, or a menu's with the picked value appended. */
function actionIdOf(interaction: ComponentInteraction): string {
  if (!interaction.isStringSelectMenu()) return interaction.customId;
  const ref = decodeActionId(interaction.customId);
  const value = interaction.values[0];
  return (ref && value !== undefined && encodeActionId({ action: ref.action, args: [...ref.args, value] })) || interaction.customId;
}

export async function deliver(interaction: CommandLikeInteraction | ComponentInteraction, messages: DiscordMessage[]): Promise<void> {
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
    const { content, embeds, allowedMentions, components } = toInteractionOptions(first);
    await interaction.editReply({ content, embeds, allowedMentions, ...(components ? { components } : {}) });
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
function isKnownChannel(interaction: CommandLikeInteraction | ComponentInteraction, channelId: string): boolean {
  const guild = interaction.guild;
  if (guild?.channels.cache.has(channelId)) return true;
  if (!interaction.guildId || (guild && guild.available && guild.channels.cache.size > 0)) return false;
  const elsewhere = interaction.client.channels.cache.get(channelId);
  return !elsewhere || ('guildId' in elsewhere && elsewhere.guildId === interaction.guildId);
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

function invokerOf(interaction: CommandLikeInteraction | ComponentInteraction): Invoker {
  const member = interaction.member;
  const displayName = (member && 'displayName' in member ? member.displayName : undefined) ?? interaction.user.globalName ?? interaction.user.username;
  return { id: interaction.user.id, name: displayName, isModerator: isModerator(interaction) };
}

function toInvocation(interaction: ChatInputCommandInteraction): Invocation {
  const { subcommand, leaves } = flattenOptions(interaction.options.data);
  return {
    command: interaction.commandName,
    subcommand,
    options: Object.fromEntries(leaves.map((o) => [o.name, optionValue(o)])),
    invoker: invokerOf(interaction),
    guildId: interaction.guildId ?? undefined,
    channelId: interaction.channelId ?? undefined,
  };
}

/** The most of a target message a menu command is given: its text and its embeds' links. */
const MENU_MESSAGE_CHARS = 6000;

/** A message menu's target message as the command's `message` option: its text, then its embeds' links. */
export function menuMessageText(message: Pick<Message, 'content' | 'embeds'>): string {
  const urls = (message.embeds ?? []).flatMap((embed) => [embed.url, embed.description]).filter((v): v is string => Boolean(v));
  return [message.content ?? '', ...urls].filter(Boolean).join('\n').slice(0, MENU_MESSAGE_CHARS);
}

function toMenuInvocation(interaction: MessageContextMenuCommandInteraction): Invocation {
  const text = menuMessageText(interaction.targetMessage);
  return {
    command: interaction.commandName,
    // A message without text (an image) still reaches the command, which says it has no link.
    options: { message: text.trim() ? text : '(no text)' },
    invoker: invokerOf(interaction),
    guildId: interaction.guildId ?? undefined,
    channelId: interaction.channelId ?? undefined,
  };
}

function toAutocompleteInput(interaction: AutocompleteInteraction): AutocompleteInput {
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
function sanitiseChoices(choices: readonly Choice[]): Choice[] {
  const out: Choice[] = [];
  const seen = new Set<string>();
  for (const choice of choices) {
    if (out.length >= LIMITS.choices) break;
    const value = String(choice.value ?? '');
    if (!value || value.length > LIMITS.choiceValue || seen.has(value)) continue;
    const name =
      String(choice.name ?? '')
        .replace(/\s+/g, ' ')
        .trim() || value;
    seen.add(value);
    out.push({ name: truncate(stripBidi(name), LIMITS.choiceName), value });
  }
  return out;
}
