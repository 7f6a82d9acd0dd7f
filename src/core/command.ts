import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { App } from '../app.ts';
import type { Choice, Reply } from './reply.ts';
import type { BriefingTransport } from '../briefings/transport.ts';

/** A channel option as commands see it, whatever the transport. */
export interface ChannelRef {
  id: string;
  name?: string;
  /** Guild the channel belongs to, when the transport knows it. */
  guildId?: string;
}

export type OptionValue = string | number | boolean | ChannelRef;

/** The invoking person, as far as commands need to know them. */
export interface Invoker {
  id: string;
  name: string;
  /** Manage Server or Manage Channels in the guild where the command runs. */
  isModerator: boolean;
}

/** What a transport can tell commands about a channel, so commands stay free of discord.js. */
export interface ChannelAccess {
  ok: boolean;
  /** Human names of the permissions the bot lacks there, e.g. ["Send Messages", "Embed Links"]. */
  missing: string[];
  /** Why the channel cannot be used when it is not a permission problem (unknown, other guild, not text). */
  reason?: string;
}

export interface Platform {
  readonly name: 'discord' | 'terminal';
  /** Checks that `channelId` is a text channel of `guildId` where the bot can View, Send and Embed. */
  channelAccess(guildId: string, channelId: string): Promise<ChannelAccess>;
  /** Where `/briefing send-now` delivers; absent when the transport cannot post briefings. */
  readonly briefings?: BriefingTransport;
}

export interface CommandInput {
  /** Subcommand name for commands that have them (`report latest` → "latest"). */
  subcommand?: string;
  options: Record<string, OptionValue | undefined>;
  invoker: Invoker;
  /** Absent in DMs. The terminal uses a fixed local guild id. */
  guildId?: string;
  channelId?: string;
}

export interface AutocompleteInput {
  subcommand?: string;
  /** The option being typed. */
  focused: { name: string; value: string };
  options: Record<string, OptionValue | undefined>;
  guildId?: string;
}

export interface CommandContext {
  app: App;
  platform: Platform;
}

/** One file per command in `commands/`, default-exported. */
export interface CommandModule {
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute(input: CommandInput, ctx: CommandContext): Promise<Reply>;
  autocomplete?(input: AutocompleteInput, ctx: CommandContext): Promise<Choice[]>;
  /** Whether the transport must defer before executing (work that may take over 2 s). */
  defers?(input: CommandInput, ctx: CommandContext): boolean;
  /**
   * When the command defers: whether its answer will be private, so the "thinking…" placeholder is shown
   * only to the invoker too. Optional; without it Discord replaces a public placeholder by a private follow-up.
   */
  defersEphemeral?(input: CommandInput, ctx: CommandContext): boolean;
  /** Subcommands that need a moderator (or true for the whole command). Transports check this before execute. */
  moderatorOnly?: boolean | readonly string[];
}

/** Guild id of the terminal's local mode; never a Discord guild, so the two never deliver each other's briefings. */
export const LOCAL_GUILD_ID = 'local';
