import type {
  APIApplicationCommandBasicOption,
  APIApplicationCommandSubcommandOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ReportLibrary } from '../reports/library.ts';
import type { FeedService } from '../reports/feeds.ts';
import type { AnalysisService } from '../analysis/service.ts';
import type { SubscriptionService } from '../briefings/subscriptions.ts';
import type { BriefingService } from '../briefings/service.ts';
import type { Ingestor } from '../reports/ingest.ts';
import type { Clock } from './clock.ts';
import type { Choice, Reply } from './reply.ts';

/**
 * Commands as plain data typed against discord-api-types (as yuudachi does), handlers with arguments typed
 * from that data, and preconditions declared per command or subcommand (as Sapphire does). `dispatch.ts`
 * runs them for every transport. Type-only imports: core holds no runtime dependency on the services.
 */

/**
 * What commands may use: the services, never the store or the app's lifecycle; of the ingest pipeline only
 * `ingestUrl` (one article, in a server's scope: `/report add`, Summarise link).
 */
export interface CommandServices {
  readonly ingest: Pick<Ingestor, 'ingestUrl'>;
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly reports: ReportLibrary;
  readonly feeds: FeedService;
  readonly analysis: AnalysisService;
  readonly subscriptions: SubscriptionService;
  readonly briefings: BriefingService;
}

/** Where `/briefing send-now` posts: whatever the briefing service delivers through. */
export type BriefingSink = Parameters<BriefingService['sendNow']>[1];

/** A channel option as commands see it, whatever the transport. */
export interface ChannelRef {
  id: string;
  name?: string;
  /** Guild the channel belongs to, when the transport knows it. */
  guildId?: string;
}

export type OptionValue = string | number | boolean | ChannelRef;
export type RawOptions = Record<string, OptionValue | undefined | null>;

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
  /** What kind of briefing target the channel is, when not a plain text channel (docs/briefings.md, Targets). */
  kind?: 'announcement' | 'forum' | 'thread';
}

export interface Platform {
  readonly name: 'discord' | 'terminal';
  /** Checks that `channelId` is a text channel of `guildId` where the bot can View, Send and Embed. */
  channelAccess(guildId: string, channelId: string, options?: { newThread?: boolean }): Promise<ChannelAccess>;
  /** How this transport names a channel in text: `<#id>` on Discord (never pings), `#name` in the terminal. */
  channelMention(channel: Pick<ChannelRef, 'id' | 'name'>): string;
  /** Where `/briefing send-now` delivers; absent when the transport cannot post briefings. */
  readonly briefings?: BriefingSink;
  /**
   * How long a command may wait for the transport to post (Discord REST) before answering that it will be
   * retried; it must fit the interaction. Default 10 s.
   */
  readonly postDeadlineMs?: number;
}

export interface CommandContext {
  services: CommandServices;
  platform: Platform;
}

// ───────────────────────────── definitions as data ─────────────────────────────

export type CommandData = RESTPostAPIChatInputApplicationCommandsJSONBody;
/** A message context-menu command (Apps → "Summarise link" on a message): a name, no description, no options. */
export type MessageMenuData = RESTPostAPIContextMenuApplicationCommandsJSONBody & { type: ApplicationCommandType.Message };
export type SubcommandData = APIApplicationCommandSubcommandOption;
export type BasicOptionData = APIApplicationCommandBasicOption;

type ValueOf<O> = O extends { type: ApplicationCommandOptionType.String; choices: readonly { value: infer V }[] }
  ? V
  : O extends { type: ApplicationCommandOptionType.String | ApplicationCommandOptionType.Attachment }
    ? string
    : O extends { type: ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.Number }
      ? number
      : O extends { type: ApplicationCommandOptionType.Boolean }
        ? boolean
        : O extends { type: ApplicationCommandOptionType.Channel }
          ? ChannelRef
          : string;

/** The handler's arguments, typed from the option definitions: required options are present, others may be undefined. */
export type ArgsOf<Options> = Options extends readonly unknown[]
  ? { [O in Options[number] as O extends { name: infer N extends string } ? N : never]: O extends { required: true } ? ValueOf<O> : ValueOf<O> | undefined }
  : Record<string, never>;

export interface CommandInput<Args = Record<string, OptionValue | undefined>> {
  /** Subcommand name for commands that have them (`report latest` → "latest"). */
  subcommand?: string;
  /** Validated against the definition: types, choices, lengths and ranges; text trimmed, empty text absent. */
  args: Args;
  invoker: Invoker;
  /** Absent in DMs. */
  guildId?: string;
  channelId?: string;
}

/** The input of a guild-only handler: the dispatcher guarantees the guild. */
export type GuildCommandInput<Args = Record<string, OptionValue | undefined>> = CommandInput<Args> & { guildId: string };

export interface AutocompleteInput {
  subcommand?: string;
  /** The option being typed. */
  focused: { name: string; value: string };
  options: RawOptions;
  guildId?: string;
}

/** Whether the transport must acknowledge first (work that may take over 2 s), and whether the placeholder is private. */
export type DeferMode = 'public' | 'ephemeral';

export interface Preconditions {
  /** Only inside a server (not in direct messages). */
  guildOnly?: boolean;
  /** Only for moderators (Manage Server or Manage Channels). */
  moderator?: boolean;
}

/** What the dispatcher runs for one command, or for one subcommand. */
export interface Handler extends Preconditions {
  readonly options: readonly BasicOptionData[];
  defer?: DeferMode | ((input: CommandInput, ctx: CommandContext) => DeferMode | undefined);
  execute(input: CommandInput, ctx: CommandContext): Promise<Reply>;
  autocomplete?(input: AutocompleteInput, ctx: CommandContext): Promise<Choice[]>;
}

export interface SubcommandModule extends Handler {
  readonly data: SubcommandData;
}

/**
 * What an action (a button) runs: an invocation of the same command, so it passes the same preconditions
 * and option checks. `update` replaces the message the button is on (pagination) instead of answering privately.
 */
export interface ActionRoute {
  subcommand?: string;
  options: RawOptions;
  update?: boolean;
}

/** Turns an action's arguments back into an invocation; undefined when they no longer make sense. */
export type ActionHandler = (args: readonly string[]) => ActionRoute | undefined;

/** One file (or folder) per command in `commands/`, default-exported. */
export interface CommandModule extends Preconditions {
  readonly data: CommandData | MessageMenuData;
  /** Other names the terminal accepts (`summarize`); Discord registers only `data.name`. */
  readonly aliases?: readonly string[];
  /** The handler of a command without subcommands. */
  readonly handler?: Handler;
  /** The handlers of a command's subcommands, by name. */
  readonly subcommands?: Readonly<Record<string, SubcommandModule>>;
  /** Actions (buttons) this command answers, by action name. */
  readonly actions?: Readonly<Record<string, ActionHandler>>;
}

type Input<Args, G> = G extends true ? GuildCommandInput<Args> : CommandInput<Args>;

interface HandlerSpec<Args, G extends boolean> {
  guildOnly?: G;
  moderator?: boolean;
  defer?: DeferMode | ((input: Input<Args, G>, ctx: CommandContext) => DeferMode | undefined);
  execute(input: Input<Args, G>, ctx: CommandContext): Promise<Reply>;
  autocomplete?(input: AutocompleteInput, ctx: CommandContext): Promise<Choice[]>;
}

function handlerOf<Args, G extends boolean>(options: readonly unknown[] | undefined, spec: HandlerSpec<Args, G>): Handler {
  // The dispatcher checks guildOnly before calling, so the typed input holds; the cast erases the argument type.
  return { ...(spec as unknown as Omit<Handler, 'options'>), options: (options ?? []) as readonly BasicOptionData[] };
}

/** A subcommand: its data (`as const satisfies SubcommandData`) and a handler typed from it. */
export function defineSubcommand<const D extends SubcommandData, G extends boolean = false>(
  spec: { data: D } & HandlerSpec<ArgsOf<D['options']>, G>,
): SubcommandModule {
  return { ...handlerOf(spec.data.options, spec), data: spec.data };
}

/** A command without subcommands: its data and a handler typed from it. */
export function defineCommand<const D extends CommandData, G extends boolean = false>(
  spec: { data: D; aliases?: readonly string[]; actions?: Record<string, ActionHandler> } & HandlerSpec<ArgsOf<D['options']>, G>,
): CommandModule {
  const { data, aliases, guildOnly, moderator, actions } = spec;
  return { data, aliases, guildOnly, moderator, actions, handler: handlerOf(data.options, spec) };
}

/** A command made of subcommands: the registered data lists them in the given order. */
export function defineCommandGroup(spec: {
  data: Omit<CommandData, 'options'>;
  aliases?: readonly string[];
  guildOnly?: boolean;
  moderator?: boolean;
  subcommands: readonly SubcommandModule[];
  actions?: Record<string, ActionHandler>;
}): CommandModule {
  return {
    actions: spec.actions,
    data: { ...spec.data, options: spec.subcommands.map((s) => s.data) },
    aliases: spec.aliases,
    guildOnly: spec.guildOnly,
    moderator: spec.moderator,
    subcommands: Object.fromEntries(spec.subcommands.map((s) => [s.data.name, s])),
  };
}

/** Whether a command is a message context-menu command (its input is the message, not typed options). */
export function isMessageMenu(command: Pick<CommandModule, 'data'>): command is CommandModule & { data: MessageMenuData } {
  return command.data.type === 3;
}

/** The options a command takes at the top level: a message menu's come from its handler (the router fills them from the message). */
export function topLevelOptions(command: CommandModule): readonly BasicOptionData[] | readonly SubcommandData[] {
  if (isMessageMenu(command)) return command.handler?.options ?? [];
  return ((command.data as CommandData).options ?? []) as readonly BasicOptionData[];
}

/**
 * A message context-menu command. Discord sends the target message; the router turns it into the handler's
 * `options` (e.g. `message`: its text), which the dispatcher validates like any other; the terminal, which
 * has no messages, runs it by an alias with those options typed.
 */
export function defineMessageMenu<const O extends readonly BasicOptionData[], G extends boolean = false>(
  spec: { data: MessageMenuData; aliases?: readonly string[]; options: O } & HandlerSpec<ArgsOf<O>, G>,
): CommandModule {
  const { data, aliases, guildOnly, moderator } = spec;
  return { data, aliases, guildOnly, moderator, handler: handlerOf(spec.options, spec) };
}
