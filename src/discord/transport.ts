import {
  DiscordAPIError,
  RESTJSONErrorCodes,
  Routes,
  type APIChannel,
  type APIThreadChannel,
  type Client,
  type RESTPostAPIChannelMessageResult,
} from 'discord.js';
import { DeliveryError, type BriefingTransport, type OpenThreadRequest, type OpenedThread, type SendOptions } from '../briefings/transport.ts';
import type { Briefing } from '../briefings/types.ts';
import type { Reply } from '../core/reply.ts';
import { presentBriefing } from '../presentation/briefing.ts';
import { renderBriefingMessages, toRestBody, type DiscordMessage } from './render.ts';
import { toDeliveryError } from './errors.ts';
import { discordChannelAccess } from './platform.ts';

/**
 * Posts briefings to Discord channels over REST (no cached channel needed: a channel the gateway has not
 * announced yet still works). discord.js queues and retries 429s itself; what still fails is mapped to a
 * DeliveryError so the delivery policy can pause (forbidden), drop (not_found) or retry (transient).
 */
export class DiscordBriefingTransport implements BriefingTransport<DiscordMessage> {
  readonly name = 'discord';

  constructor(
    private readonly client: Client,
    private readonly present: (briefing: Briefing) => Reply = presentBriefing,
  ) {}

  renderBriefing(briefing: Briefing): DiscordMessage[] {
    return renderBriefingMessages(this.present(briefing));
  }

  /**
   * With a nonce, Discord answers a repeat (a retry after a lost response, a resume after a crash) with the
   * message it already created instead of posting it twice (`enforce_nonce`).
   */
  async send(channelId: string, message: DiscordMessage, options: SendOptions = {}): Promise<{ messageId: string }> {
    const body = options.nonce ? { ...toRestBody(message), nonce: options.nonce.slice(0, 25), enforce_nonce: true } : toRestBody(message);
    try {
      const result = (await this.client.rest.post(Routes.channelMessages(channelId), { body })) as RESTPostAPIChannelMessageResult;
      return { messageId: result.id };
    } catch (error) {
      const failure = threadFailure(error) ?? toDeliveryError(error);
      // "not_found" removes the subscription. A 404 without Discord's Unknown Channel code may only mean an
      // unknown route (Discord answers those with code 0) or a proxy: believe it only if the channel is gone too.
      if (failure.kind === 'not_found' && failure.code === undefined && !(await this.channelIsGone(channelId))) {
        throw new DeliveryError(failure.message, 'other', failure.code, failure.status);
      }
      throw failure;
    }
  }

  /**
   * A thread started on the briefing's first message (it gets the message's id: a repeat, answered with
   * 160004, is that thread), or a forum post whose first message is the briefing's first part, with up to
   * 5 of the forum's tags whose names match.
   */
  async openThread(request: OpenThreadRequest): Promise<OpenedThread> {
    try {
      if (request.kind === 'from-message') {
        const thread = (await this.client.rest.post(Routes.threads(request.channelId, request.messageId), {
          body: { name: request.name, auto_archive_duration: 1440 },
        })) as APIThreadChannel;
        return { threadId: thread.id };
      }
      const forum = (await this.client.rest.get(Routes.channel(request.channelId))) as APIChannel;
      const available = 'available_tags' in forum && Array.isArray(forum.available_tags) ? forum.available_tags : [];
      const applied = matchingTags(available, request.tagNames);
      const thread = (await this.client.rest.post(Routes.threads(request.channelId), {
        body: { name: request.name, auto_archive_duration: 1440, message: toRestBody(request.message as DiscordMessage), applied_tags: applied },
      })) as APIThreadChannel & { message?: { id: string } };
      return { threadId: thread.id, firstMessageId: thread.message?.id ?? thread.id };
    } catch (error) {
      if (request.kind === 'from-message' && error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage) {
        return { threadId: request.messageId };
      }
      throw threadFailure(error) ?? toDeliveryError(error);
    }
  }

  /** The bot's active forum post named `name` in the forum (GET /guilds/:id/threads/active). */
  async findThread(request: { guildId: string; channelId: string; name: string }): Promise<OpenedThread | undefined> {
    try {
      const active = (await this.client.rest.get(Routes.guildActiveThreads(request.guildId))) as { threads: APIThreadChannel[] };
      // A worker that never logged in to the gateway has no client.user: ask who the bot is.
      const me = this.client.user?.id ?? ((await this.client.rest.get(Routes.user())) as { id: string }).id;
      const mine = active.threads.find((t) => t.parent_id === request.channelId && t.name === request.name && t.owner_id === me);
      return mine ? { threadId: mine.id, firstMessageId: mine.id } : undefined;
    } catch (error) {
      throw toDeliveryError(error);
    }
  }

  /** Publishes an announcement channel's message to its followers; "already crossposted" is success. */
  async crosspost(channelId: string, messageId: string): Promise<void> {
    try {
      await this.client.rest.post(Routes.channelMessageCrosspost(channelId, messageId));
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.ThisMessageWasAlreadyCrossposted) return;
      const failure = toDeliveryError(error);
      if (failure.kind === 'forbidden') {
        throw new DeliveryError(
          'I could not crosspost the briefing to the servers following this announcement channel: give my role Manage Messages there.',
          'forbidden',
          failure.code,
          failure.status,
        );
      }
      throw failure;
    }
  }

  private async channelIsGone(channelId: string): Promise<boolean> {
    try {
      await this.client.rest.get(Routes.channel(channelId));
      return false;
    } catch (error) {
      return error instanceof DiscordAPIError && error.status === 404;
    }
  }

  /**
   * Best effort: the guild's system channel (or its community updates channel), when the bot may post
   * there. The guild and channel are asked over REST when the gateway did not give them. Never throws.
   */
  async notifyModerators(guildId: string, text: string): Promise<void> {
    try {
      const guild = this.client.guilds.cache.get(guildId) ?? (await this.client.guilds.fetch(guildId).catch(() => null));
      const channelId = guild?.systemChannelId ?? guild?.publicUpdatesChannelId;
      if (!channelId) return;
      const access = await discordChannelAccess(this.client, guildId, channelId);
      // The note is plain text: Embed Links is not needed for it.
      if (!access.ok && (access.reason !== undefined || access.missing.some((name) => name !== 'Embed Links'))) return;
      // The note is the bot's own text (no report text): its channel mention (<#id>) is kept; it never pings.
      const [first] = renderBriefingMessages({ content: text }, { isKnownChannel: () => true });
      if (first) await this.send(channelId, first);
    } catch {
      // A note to moderators must never turn into a second failure.
    }
  }
}

/** At most this many tags on a forum post (Discord's limit). */
export const MAX_APPLIED_TAGS = 5;

/** The ids of the forum's tags whose names match the briefing's regions or topics (case- and accent-blind), at most 5. */
export function matchingTags(available: ReadonlyArray<{ id: string; name: string }>, names: readonly string[]): string[] {
  const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').trim().toLowerCase();
  const wanted = new Set(names.map(fold).filter(Boolean));
  return available
    .filter((tag) => wanted.has(fold(tag.name)))
    .slice(0, MAX_APPLIED_TAGS)
    .map((tag) => tag.id);
}

/**
 * Thread and forum refusals in the failure table's terms: an archived or locked thread, or a forum that
 * requires a tag none of the briefing's matches, stays refused until a moderator acts (forbidden: pause
 * and tell them); the active-thread limit frees up as threads archive (retry later).
 */
function threadFailure(error: unknown): DeliveryError | undefined {
  if (!(error instanceof DiscordAPIError)) return undefined;
  const code = typeof error.code === 'number' ? error.code : undefined;
  switch (code) {
    case RESTJSONErrorCodes.InvalidActionOnArchivedThread:
      return new DeliveryError('The thread is archived: unarchive it, or subscribe another channel.', 'forbidden', code, error.status);
    case RESTJSONErrorCodes.ThreadLocked:
      return new DeliveryError('The thread is locked: unlock it, or subscribe another channel.', 'forbidden', code, error.status);
    case RESTJSONErrorCodes.TagRequiredToCreateAForumPostInThisChannel:
      return new DeliveryError(
        "The forum requires a tag on every post and none of its tags matches the briefing's regions or topics: add a matching tag, or stop requiring tags.",
        'forbidden',
        code,
        error.status,
      );
    case RESTJSONErrorCodes.MaximumActiveThreads:
    case RESTJSONErrorCodes.MaximumActiveAnnouncementThreads:
      return new DeliveryError('The channel has reached the limit of active threads; retrying once some are archived.', 'transient', code, error.status);
    default:
      return undefined;
  }
}
