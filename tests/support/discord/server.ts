/**
 * A Discord-compatible server on loopback (HTTP REST + WebSocket gateway) that the real discord.js
 * Client talks to in tests and benchmarks. Point the client at it with `rest: { api: fake.apiUrl }`
 * (or DISCORD_API_URL=fake.apiUrl and DISCORD_TOKEN=fake.token); discord.js fetches GET /gateway/bot
 * and connects to the ws:// URL the server returns.
 *
 * API
 *   const fake = await startFakeDiscord({ gatewayHeartbeatMs?, interactionTimeoutMs?, rateLimitPerSecond? })
 *   fake.apiUrl / fake.token / fake.applicationId / fake.botUser
 *   fake.addGuild({ id?, name?, ownerId?, everyonePermissions?, botPermissions?, systemChannel? }) → FakeGuild
 *   fake.addChannel(guildId, { id?, name?, type?, botDeny?, botAllow?, everyoneDeny? }) → APIChannel
 *   fake.addMember(guildId, { id?, username?, permissions? }) → { user, roleId, permissions }
 *       (guilds/channels/members added after login are announced with GUILD_CREATE / CHANNEL_CREATE)
 *   fake.interact(payload) / fake.command({ guildId, channelId, userId, name, subcommand?, options? })
 *       → InteractionHandle: dispatches INTERACTION_CREATE; `await handle.reply()` resolves with the final
 *         message (type 4 callback, or the PATCH of @original after a type 5 deferral), `handle.choices()`
 *         with autocomplete choices (type 8), `handle.followups`, `handle.callbacks`, `handle.deferred`.
 *   fake.autocomplete({ ..., focused: 'option', value: 'typed' }) → InteractionHandle
 *   fake.requests: every REST request { method, path (without /api/vN), query, body, at }
 *   fake.messages(channelId): messages posted to a channel; fake.allPayloads(): every message body received
 *   fake.failNext({ method?, path: RegExp|string, status, code?, message?, times?, retryAfter?, global? })
 *       scripted failures: 403 + 50013/50001, 404 + 10003, 429 with real rate-limit headers, 5xx
 *   fake.rateLimitPerSecond = N: global limit enforcement (429 global with headers when exceeded)
 *   fake.disconnectAll(code = 4000) / fake.connectedShards: drop gateway connections (discord.js resumes)
 *   Sharding: `startFakeDiscord({ shards: 4 })` recommends 4 shards in GET /gateway/bot; each session owns the
 *       guilds with `(guild_id >> 22) % shard_count === shard_id` (DMs: shard 0), and READY, GUILD_CREATE,
 *       CHANNEL_CREATE and INTERACTION_CREATE go only to the owning session. `fake.guildIdOnShard(id, count)`
 *       makes a guild id that lands on a shard; `fake.sessions` lists the identified sessions' shards;
 *       `handle.shard` says which shard an interaction was delivered to (undefined: no owner connected).
 *   fake.gatewayDown = true: the gateway refuses connections (and drops the open ones); `fake.gatewayAttempts`
 *       holds the time of every connection attempt
 *   fake.messagePosts = { latencyMs?, failureRate?, failureStatus?, random? }: slow or failing channel message posts
 *   fake.rateLimitedCount: 429s answered (scripted or by the global limit)
 *   fake.waitFor(predicate, timeoutMs): resolves once predicate() is truthy (checked on each request and every 20 ms)
 *   fake.close()
 *
 * Like Discord it validates what it receives: message payloads over the limits get 400 / 50035, a second
 * interaction callback gets 400 / 40060, a callback after `interactionTimeoutMs` (3 s) gets 404 / 10062,
 * channel messages without the needed permissions get 403 / 50001 or 50013, a repeated `nonce` with
 * `enforce_nonce` returns the message already created, and the global limit spares interaction endpoints.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { bits, computePermissions, type Overwrite, type PermissionName } from './permissions.ts';
import { choiceProblems, messageProblems } from './limits.ts';

export type { PermissionName };

type Json = Record<string, any>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: any;
  headers: Record<string, string | string[] | undefined>;
  at: number;
}

export interface ScriptedFailure {
  method?: string;
  path: RegExp | string;
  status: number;
  code?: number;
  message?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** For 429: seconds. */
  retryAfter?: number;
  global?: boolean;
  /** For 429: where the wait is given. 'bare' = only the Retry-After header and the JSON body (no X-RateLimit-*). */
  rateLimitStyle?: 'full' | 'bare' | 'body-only' | 'none';
  /** 'none': no body at all; 'text': a text/plain body (as a proxy in front of the API might send). */
  body?: 'json' | 'none' | 'text';
}

export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  roles: Json[];
  channels: Json[];
  members: Json[];
  systemChannelId: string | null;
  botRoleId: string;
  /** Never announced on the gateway (not in READY, no GUILD_CREATE): the bot only knows it over REST. */
  hidden?: boolean;
}

const EPOCH = 1420070400000n;
let increment = 0n;
export function snowflake(): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(Date.now()) - EPOCH) << 22n) | (1n << 17n) | increment).toString();
}

export class InteractionHandle {
  readonly callbacks: Json[] = [];
  readonly followups: Json[] = [];
  original?: Json;
  deleted = false;
  /** The shard whose session received the INTERACTION_CREATE (undefined: no session owned its guild). */
  shard?: number;
  readonly createdAt = Date.now();
  private readonly events = new EventEmitter();

  constructor(readonly payload: Json) {}

  get id(): string {
    return this.payload.id;
  }
  get token(): string {
    return this.payload.token;
  }
  get deferred(): boolean {
    return this.callbacks[0]?.type === 5;
  }

  /** @internal */
  notify(): void {
    this.events.emit('change');
  }

  private until<T>(pick: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = pick();
        if (v !== undefined) {
          cleanup();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`interaction ${this.payload.data?.name}: no ${what} within ${timeoutMs} ms (callbacks: ${JSON.stringify(this.callbacks)})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off('change', check);
      };
      this.events.on('change', check);
      check();
    });
  }

  /**
   * The message the user ends up seeing: the type 4 callback's data, or the edited @original after a
   * deferral; if the original was deleted in favour of a follow-up (ephemeral error after a public
   * deferral), that follow-up.
   */
  reply(timeoutMs = 10_000): Promise<Json> {
    return this.until(
      () => {
        const first = this.callbacks[0];
        if (!first) return undefined;
        if (first.type === 4) return { ...first.data, ephemeral: Boolean((first.data?.flags ?? 0) & 64) };
        if (first.type === 5) {
          if (this.deleted && this.followups[0]) return this.followups[0];
          if (this.original) return { ...this.original, ephemeral: Boolean((first.data?.flags ?? 0) & 64) };
        }
        return undefined;
      },
      timeoutMs,
      'reply',
    );
  }

  /** Resolves when at least `n` follow-ups have arrived. */
  followupsAtLeast(n: number, timeoutMs = 10_000): Promise<Json[]> {
    return this.until(() => (this.followups.length >= n ? this.followups : undefined), timeoutMs, `${n} follow-ups`);
  }

  choices(timeoutMs = 10_000): Promise<Array<{ name: string; value: string | number }>> {
    return this.until(() => (this.callbacks[0]?.type === 8 ? (this.callbacks[0].data?.choices ?? []) : undefined), timeoutMs, 'autocomplete result');
  }
}

export interface CommandInvocation {
  guildId?: string;
  channelId: string;
  userId: string;
  name: string;
  subcommand?: string;
  /** Option values; a channel option is given as { channel: id }. */
  options?: Record<string, string | number | boolean | { channel: string }>;
  /** Overrides the member's permissions string (otherwise computed from their roles); null leaves it out. */
  memberPermissions?: bigint | null;
}

export interface FakeDiscordOptions {
  gatewayHeartbeatMs?: number;
  /** Discord gives 3 s to acknowledge an interaction. */
  interactionTimeoutMs?: number;
  rateLimitPerSecond?: number;
  /** Delay before every REST answer, to imitate network latency. */
  latencyMs?: number;
  /** Shard count recommended by GET /gateway/bot (default 1). */
  shards?: number;
  /** session_start_limit.max_concurrency (default 1, as for most bots: one IDENTIFY per 5 s). */
  maxConcurrency?: number;
  /**
   * A bare, still spec-conforming server, as someone else might write from Discord's documentation alone:
   * turns on every option below (each can also be set on its own).
   */
  minimal?: boolean;
  /** No X-RateLimit-* headers on any answer; a 429 carries only `Retry-After` and the JSON body. */
  bareRateLimits?: boolean;
  /** Interaction callbacks always answer 204 No Content, even when asked `with_response=true`. */
  noCallbackBody?: boolean;
  /** GUILD_CREATE leaves these out (the bot then has to ask over REST). */
  guildCreateWithout?: Array<'members' | 'channels' | 'roles'>;
  /** Resolved channels and the interaction's `channel` carry only what the docs promise: id, name, type, permissions. */
  partialChannels?: boolean;
  /** READY without `resume_gateway_url` (discord.js must resume on the gateway URL). */
  noResumeUrl?: boolean;
  /**
   * Leaves out the newer fields a server written from older docs may not know: READY without `application`,
   * INTERACTION_CREATE without `entitlements`, `authorizing_integration_owners`, `context`, `app_permissions`,
   * `attachment_size_limit`, `guild_locale`, the `channel` object (only `channel_id`) and `data.type`.
   */
  sparsePayloads?: boolean;
}

const MINIMAL: Required<
  Pick<FakeDiscordOptions, 'bareRateLimits' | 'noCallbackBody' | 'guildCreateWithout' | 'partialChannels' | 'noResumeUrl' | 'sparsePayloads'>
> = {
  sparsePayloads: true,
  bareRateLimits: true,
  noCallbackBody: true,
  guildCreateWithout: ['members', 'channels'],
  partialChannels: true,
  noResumeUrl: true,
};

export class FakeDiscord {
  readonly token = 'fake-bot-token.' + 'x'.repeat(40);
  readonly applicationId = snowflake();
  readonly botUser = { id: this.applicationId, username: 'Sitrep', discriminator: '0', global_name: 'Sitrep', avatar: null, bot: true };
  readonly requests: RecordedRequest[] = [];
  readonly guilds = new Map<string, FakeGuild>();
  readonly users = new Map<string, Json>();
  readonly commands = { global: [] as Json[], guild: new Map<string, Json[]>() };
  readonly interactions = new Map<string, InteractionHandle>();
  rateLimitPerSecond: number | undefined;
  latencyMs = 0;
  /** Extra delay before the answer to some requests (e.g. a hanging POST /channels/:id/messages); 0 = none. */
  latencyFor: ((method: string, path: string) => number) | undefined;
  /** Count of IDENTIFY / RESUME payloads received. */
  identifies = 0;
  heartbeats = 0;
  apiUrl = '';
  wsUrl = '';

  private readonly channelMessages = new Map<string, Json[]>();
  private readonly threadChannels = new Map<string, Json>();
  private readonly payloads: Json[] = [];
  private readonly failures: ScriptedFailure[] = [];
  private readonly sockets = new Set<Session>();
  /** The gateway refuses connections while true (and drops the open ones when set). */
  private down = false;
  /** Every gateway connection attempt (ms since epoch), accepted or refused. */
  readonly gatewayAttempts: number[] = [];
  /** Channel message posts only: added latency, and a share answered with a 5xx. */
  messagePosts: { latencyMs?: number; failureRate?: number; failureStatus?: number; random?: () => number } = {};
  /** 429 answers sent (scripted or by the global limit). */
  rateLimitedCount = 0;
  private readonly events = new EventEmitter();
  private windowStart = 0;
  private windowCount = 0;
  private http!: Server;
  private wss!: WebSocketServer;

  private readonly options: FakeDiscordOptions;

  constructor(options: FakeDiscordOptions = {}) {
    this.options = options.minimal ? { ...MINIMAL, ...options } : options;
    this.rateLimitPerSecond = options.rateLimitPerSecond;
    this.latencyMs = options.latencyMs ?? 0;
    this.users.set(this.botUser.id, this.botUser);
    this.events.setMaxListeners(0);
  }

  async listen(): Promise<this> {
    this.http = createServer((req, res) => void this.handle(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => {
      this.gatewayAttempts.push(Date.now());
      if (this.down) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    const { port } = this.http.address() as AddressInfo;
    this.apiUrl = `http://127.0.0.1:${port}/api`;
    this.wsUrl = `ws://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.ws.terminate();
    this.wss?.close();
    this.http?.closeAllConnections?.();
    await new Promise<void>((resolve) => this.http?.close(() => resolve()) ?? resolve());
  }

  // ───────────────────────────── world building ─────────────────────────────

  addGuild(
    init: {
      id?: string;
      name?: string;
      ownerId?: string;
      everyonePermissions?: PermissionName[];
      botPermissions?: PermissionName[];
      systemChannel?: boolean;
      hidden?: boolean;
    } = {},
  ): FakeGuild {
    const id = init.id ?? snowflake();
    const ownerId = init.ownerId ?? snowflake();
    if (!this.users.has(ownerId)) this.users.set(ownerId, userObject(ownerId, 'owner'));
    const botRoleId = snowflake();
    const guild: FakeGuild = {
      id,
      name: init.name ?? `Guild ${id.slice(-4)}`,
      ownerId,
      roles: [
        roleObject(
          id,
          '@everyone',
          bits(init.everyonePermissions ?? ['ViewChannel', 'SendMessages', 'EmbedLinks', 'ReadMessageHistory', 'UseApplicationCommands']),
          0,
        ),
        roleObject(botRoleId, 'Sitrep', bits(init.botPermissions ?? ['ViewChannel', 'SendMessages', 'EmbedLinks']), 1, true),
      ],
      channels: [],
      members: [],
      systemChannelId: null,
      botRoleId,
      ...(init.hidden ? { hidden: true } : {}),
    };
    guild.members.push(memberObject(this.botUser, [botRoleId]));
    guild.members.push(memberObject(this.users.get(ownerId)!, []));
    this.guilds.set(id, guild);
    if (init.systemChannel !== false) {
      const general = this.addChannel(id, { name: 'general' });
      guild.systemChannelId = general.id;
    }
    if (!guild.hidden) this.broadcast('GUILD_CREATE', this.gatewayGuild(guild), id);
    return guild;
  }

  /** `botDeny` / `botAllow` become a member overwrite for the bot in this channel. */
  addChannel(
    guildId: string,
    init: {
      id?: string;
      name?: string;
      /** 0 text, 5 announcement, 15 forum (2 voice, 13 stage). */
      type?: number;
      botDeny?: PermissionName[];
      botAllow?: PermissionName[];
      everyoneDeny?: PermissionName[];
      /** Forum channels: the tags a post may carry. */
      availableTags?: string[];
      /** Forum channels: every post needs a tag (flag REQUIRE_TAG). */
      requireTag?: boolean;
    } = {},
  ): Json {
    const guild = this.mustGuild(guildId);
    const overwrites: Overwrite[] = [];
    if (init.everyoneDeny?.length) overwrites.push({ id: guildId, type: 0, allow: '0', deny: bits(init.everyoneDeny).toString() });
    if (init.botDeny?.length || init.botAllow?.length) {
      overwrites.push({ id: this.botUser.id, type: 1, allow: bits(init.botAllow ?? []).toString(), deny: bits(init.botDeny ?? []).toString() });
    }
    const channel = {
      id: init.id ?? snowflake(),
      type: init.type ?? 0,
      guild_id: guildId,
      name: init.name ?? `channel-${guild.channels.length + 1}`,
      position: guild.channels.length,
      permission_overwrites: overwrites,
      parent_id: null,
      nsfw: false,
      topic: null,
      last_message_id: null,
      rate_limit_per_user: 0,
      flags: 0,
      ...(init.type === 2 || init.type === 13 ? { bitrate: 64_000, user_limit: 0, rtc_region: null } : {}),
      ...(init.type === 15
        ? {
            available_tags: (init.availableTags ?? []).map((name) => ({ id: snowflake(), name, moderated: false, emoji_id: null, emoji_name: null })),
            default_reaction_emoji: null,
            default_sort_order: null,
            default_forum_layout: 0,
            default_thread_rate_limit_per_user: 0,
            flags: init.requireTag ? 16 : 0,
          }
        : {}),
    };
    guild.channels.push(channel);
    if (!guild.hidden) this.broadcast('CHANNEL_CREATE', channel, guildId);
    return channel;
  }

  /** A guild member whose roles give exactly `permissions` (plus @everyone's). */
  addMember(guildId: string, init: { id?: string; username?: string; permissions?: PermissionName[] } = {}): { user: Json; roleId: string } {
    const guild = this.mustGuild(guildId);
    const user = userObject(init.id ?? snowflake(), init.username ?? `user${guild.members.length}`);
    this.users.set(user.id, user);
    const roleId = snowflake();
    guild.roles.push(roleObject(roleId, `role-${user.username}`, bits(init.permissions ?? []), guild.roles.length));
    const member = memberObject(user, [roleId]);
    guild.members.push(member);
    if (!guild.hidden) this.broadcast('GUILD_MEMBER_ADD', { ...member, guild_id: guildId }, guildId);
    return { user, roleId };
  }

  /** A channel or thread by id. */
  channel(id: string): Json | undefined {
    for (const g of this.guilds.values()) {
      const c = g.channels.find((ch) => ch.id === id);
      if (c) return c;
    }
    return this.threadChannels.get(id);
  }

  /**
   * A thread of a text or announcement channel (or a forum post, without a first message). Like Discord,
   * threads are not in the guild's channel list; they take their parent's permission overwrites.
   */
  addThread(parentId: string, init: { name?: string; archived?: boolean; locked?: boolean; id?: string; ownerId?: string } = {}): Json {
    const parent = this.channel(parentId);
    if (!parent) throw new Error(`fake discord: no channel ${parentId}`);
    return this.createThread(parent, {
      id: init.id ?? snowflake(),
      name: init.name ?? 'thread',
      ownerId: init.ownerId ?? snowflake(),
      archived: init.archived,
      locked: init.locked,
    });
  }

  /** The threads (and forum posts) of a channel, oldest first. */
  threadsOf(parentId: string): Json[] {
    return [...this.threadChannels.values()].filter((t) => t.parent_id === parentId);
  }

  /** Every crosspost the server accepted: channel and message ids, in order. */
  readonly crossposts: Array<{ channelId: string; messageId: string }> = [];

  /** Active threads at most per guild before 160006 (Discord: 1000); undefined = no limit. */
  maxActiveThreads: number | undefined;

  private createThread(parent: Json, init: { id: string; name: string; ownerId: string; archived?: boolean; locked?: boolean; appliedTags?: string[] }): Json {
    const thread: Json = {
      id: init.id,
      type: parent.type === 5 ? 10 : 11,
      guild_id: parent.guild_id,
      parent_id: parent.id,
      owner_id: init.ownerId,
      name: init.name,
      last_message_id: null,
      rate_limit_per_user: 0,
      flags: 0,
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      ...(parent.type === 15 ? { applied_tags: init.appliedTags ?? [] } : {}),
      thread_metadata: {
        archived: Boolean(init.archived),
        locked: Boolean(init.locked),
        auto_archive_duration: 1440,
        archive_timestamp: new Date().toISOString(),
        create_timestamp: new Date().toISOString(),
      },
    };
    this.threadChannels.set(thread.id, thread);
    const guild = this.guilds.get(parent.guild_id);
    if (guild && !guild.hidden) this.broadcast('THREAD_CREATE', { ...thread, newly_created: true }, parent.guild_id);
    return thread;
  }

  /** The bot's (or any member's) effective permissions in a channel, by Discord's algorithm. */
  permissionsIn(channelId: string, userId = this.botUser.id): bigint {
    const found = this.channel(channelId);
    // A thread has its parent's permissions.
    const channel = found?.thread_metadata ? this.channel(found.parent_id) : found;
    if (!channel) return 0n;
    const guild = this.mustGuild(channel.guild_id);
    const member = guild.members.find((m) => m.user.id === userId);
    return computePermissions({
      guildId: guild.id,
      ownerId: guild.ownerId,
      userId,
      memberRoleIds: member?.roles ?? [],
      roles: guild.roles.map((r) => ({ id: r.id, permissions: r.permissions })),
      overwrites: channel.permission_overwrites,
    });
  }

  messages(channelId: string): Json[] {
    return this.channelMessages.get(channelId) ?? [];
  }

  /** Every message body the server received: channel messages, interaction replies, edits, follow-ups. */
  allPayloads(): Json[] {
    return [...this.payloads];
  }

  failNext(failure: ScriptedFailure): void {
    this.failures.push({ times: 1, ...failure });
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs = 5_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = predicate();
        if (v) {
          cleanup();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake discord: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      // Also polled: conditions on the bot's side (logs, store) change between requests.
      const poll = setInterval(check, 20);
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.events.off('request', check);
      };
      this.events.on('request', check);
      check();
    });
  }

  /** Closes every gateway connection with `code` (4000 = unknown error, resumable), as Discord does on restarts. */
  disconnectAll(code = 4000): void {
    for (const conn of this.sockets) conn.ws.close(code, 'fake discord: reconnect please');
  }

  /** Number of gateway connections that have identified or resumed. */
  get connectedShards(): number {
    return [...this.sockets].filter((c) => c.ready).length;
  }

  get gatewayDown(): boolean {
    return this.down;
  }
  set gatewayDown(down: boolean) {
    this.down = down;
    if (down) for (const conn of this.sockets) conn.ws.terminate();
  }

  /** The identified sessions and the shard each one runs. */
  get sessions(): Array<{ shard: [number, number] }> {
    return [...this.sockets].filter((c) => c.ready).map((c) => ({ shard: c.shard }));
  }

  /** A fresh guild id whose shard is `shardId` out of `shardCount` (Discord: (guild_id >> 22) % shard_count). */
  guildIdOnShard(shardId: number, shardCount: number): string {
    for (;;) {
      const id = snowflake();
      if (shardOf(id, shardCount) === shardId) return id;
      const ts = BigInt(id) >> 22n;
      const adjusted = ts - (ts % BigInt(shardCount)) + BigInt(shardId);
      const candidate = ((adjusted << 22n) | (BigInt(id) & 0x3fffffn)).toString();
      if (shardOf(candidate, shardCount) === shardId) return candidate;
    }
  }

  // ───────────────────────────── interactions ─────────────────────────────

  /** Sends INTERACTION_CREATE with `payload` completed by sensible defaults. */
  interact(payload: Json): InteractionHandle {
    const full = {
      id: snowflake(),
      application_id: this.applicationId,
      token: `itoken-${snowflake()}-${Math.random().toString(36).slice(2)}`,
      version: 1,
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': payload.guild_id ?? '0' },
      context: payload.guild_id ? 0 : 1,
      attachment_size_limit: 8 * 1024 * 1024,
      app_permissions: payload.channel_id ? this.permissionsIn(payload.channel_id).toString() : '0',
      ...payload,
    };
    if (this.options.sparsePayloads) {
      for (const key of ['entitlements', 'authorizing_integration_owners', 'context', 'app_permissions', 'attachment_size_limit', 'guild_locale']) {
        if (!(key in payload)) delete (full as Json)[key];
      }
      // Only the older `channel_id`, and no command type in `data`.
      delete (full as Json).channel;
      const sparse = full as Json;
      if (sparse.data && typeof sparse.data === 'object') delete sparse.data.type;
    }
    const handle = new InteractionHandle(full);
    this.interactions.set(full.id, handle);
    handle.shard = this.broadcast('INTERACTION_CREATE', full, (full as Json).guild_id ?? null);
    return handle;
  }

  command(inv: CommandInvocation): InteractionHandle {
    return this.interact(this.commandPayload(inv, 2));
  }

  autocomplete(inv: CommandInvocation & { focused: string }): InteractionHandle {
    return this.interact(this.commandPayload(inv, 4));
  }

  private commandPayload(inv: CommandInvocation & { focused?: string }, type: 2 | 4): Json {
    const resolvedChannels: Json = {};
    const options = Object.entries(inv.options ?? {}).map(([name, value]) => {
      if (typeof value === 'object') {
        const channel = this.channel(value.channel) ?? { id: value.channel, name: 'unknown', type: 0, guild_id: undefined };
        resolvedChannels[channel.id] = this.options.partialChannels
          ? { id: channel.id, name: channel.name, type: channel.type, permissions: this.permissionsIn(channel.id, inv.userId).toString() }
          : {
              id: channel.id,
              name: channel.name,
              type: channel.type,
              guild_id: channel.guild_id,
              permissions: this.permissionsIn(channel.id, inv.userId).toString(),
              parent_id: channel.parent_id ?? null,
              flags: 0,
              ...(channel.thread_metadata ? { thread_metadata: channel.thread_metadata } : {}),
            };
        return { name, type: 7, value: channel.id };
      }
      const optType = typeof value === 'boolean' ? 5 : typeof value === 'number' ? (Number.isInteger(value) ? 4 : 10) : 3;
      return { name, type: optType, value, ...(inv.focused === name ? { focused: true } : {}) };
    });
    const data: Json = {
      id: this.commandId(inv.name),
      name: inv.name,
      type: 1,
      options: inv.subcommand ? [{ name: inv.subcommand, type: 1, options }] : options,
    };
    if (Object.keys(resolvedChannels).length) data.resolved = { channels: resolvedChannels };
    const user = this.users.get(inv.userId) ?? userObject(inv.userId, `user-${inv.userId.slice(-4)}`);
    const channel = this.channel(inv.channelId);
    const payload: Json = {
      type,
      data,
      channel_id: inv.channelId,
      channel: channel
        ? this.options.partialChannels
          ? { id: channel.id, name: channel.name, type: channel.type, permissions: this.permissionsIn(channel.id, inv.userId).toString() }
          : { id: channel.id, name: channel.name, type: channel.type, guild_id: channel.guild_id, permissions: '0', flags: 0 }
        : { id: inv.channelId, type: 1 },
    };
    if (inv.guildId) {
      const guild = this.mustGuild(inv.guildId);
      const member = guild.members.find((m) => m.user.id === inv.userId) ?? memberObject(user, []);
      const perms = inv.memberPermissions === undefined ? this.permissionsIn(inv.channelId, inv.userId) : inv.memberPermissions;
      payload.guild_id = inv.guildId;
      payload.member = perms === null ? { ...member } : { ...member, permissions: perms.toString() };
    } else {
      payload.user = user;
    }
    return payload;
  }

  private commandId(name: string): string {
    const all = [...this.commands.global, ...[...this.commands.guild.values()].flat()];
    return all.find((c) => c.name === name)?.id ?? snowflake();
  }

  // ───────────────────────────── gateway ─────────────────────────────

  private onSocket(ws: WebSocket): void {
    const conn: Session = { ws, seq: 0, ready: false, shard: [0, 1] };
    this.sockets.add(conn);
    ws.on('close', () => this.sockets.delete(conn));
    ws.on('error', () => this.sockets.delete(conn));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.options.gatewayHeartbeatMs ?? 41_250 }, s: null, t: null }));
    ws.on('message', (raw) => {
      let msg: Json;
      try {
        msg = JSON.parse(String(raw));
      } catch {
        ws.close(4002, 'Decode error');
        return;
      }
      switch (msg.op) {
        case 1:
          this.heartbeats++;
          ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
          break;
        case 2: {
          this.identifies++;
          if (msg.d?.token !== this.token) {
            ws.close(4004, 'Authentication failed.');
            return;
          }
          conn.ready = true;
          conn.shard = validShard(msg.d.shard);
          this.sendDispatch(conn, 'READY', {
            v: 10,
            user: this.botUser,
            guilds: [...this.guilds.values()].filter((g) => !g.hidden && owns(conn, g.id)).map((g) => ({ id: g.id, unavailable: true })),
            session_id: `session-${snowflake()}`,
            ...(this.options.noResumeUrl ? {} : { resume_gateway_url: this.wsUrl }),
            shard: msg.d.shard ?? [0, 1],
            ...(this.options.sparsePayloads ? {} : { application: { id: this.applicationId, flags: 0 } }),
            private_channels: [],
            relationships: [],
            presences: [],
          });
          for (const g of this.guilds.values()) if (!g.hidden && owns(conn, g.id)) this.sendDispatch(conn, 'GUILD_CREATE', this.gatewayGuild(g));
          break;
        }
        case 6:
          this.identifies++;
          if (msg.d?.token !== this.token) {
            ws.close(4004, 'Authentication failed.');
            return;
          }
          conn.ready = true;
          conn.seq = Number(msg.d.seq ?? 0);
          conn.shard = validShard(msg.d.shard ?? conn.shard);
          this.sendDispatch(conn, 'RESUMED', {});
          break;
        default:
          break;
      }
    });
  }

  private sendDispatch(conn: { ws: WebSocket; seq: number }, t: string, d: Json): void {
    conn.seq += 1;
    conn.ws.send(JSON.stringify({ op: 0, t, s: conn.seq, d }));
  }

  /**
   * Sends a dispatch to the sessions that own `guildId` (null: a DM, shard 0), like Discord; without a
   * guild to everyone. Returns the shard it went to, if any session received it.
   */
  private broadcast(t: string, d: Json, guildId?: string | null): number | undefined {
    let shard: number | undefined;
    for (const conn of this.sockets) {
      if (!conn.ready) continue;
      if (guildId !== undefined && !owns(conn, guildId)) continue;
      this.sendDispatch(conn, t, d);
      shard ??= conn.shard[0];
    }
    return shard;
  }

  /** GUILD_CREATE as this server sends it (possibly without members / channels, see `guildCreateWithout`). */
  private gatewayGuild(g: FakeGuild): Json {
    const payload = this.guildCreatePayload(g);
    for (const key of this.options.guildCreateWithout ?? []) delete payload[key];
    return payload;
  }

  /** GET /guilds/:id: like Discord, the guild object without the gateway-only members, channels and threads. */
  private restGuild(g: FakeGuild): Json {
    const {
      members: _m,
      channels: _c,
      threads: _t,
      voice_states: _v,
      presences: _p,
      stage_instances: _s,
      guild_scheduled_events: _e,
      soundboard_sounds: _ss,
      joined_at: _j,
      large: _l,
      unavailable: _u,
      member_count: _mc,
      ...rest
    } = this.guildCreatePayload(g);
    return { ...rest, approximate_member_count: g.members.length, approximate_presence_count: 0 };
  }

  private guildCreatePayload(g: FakeGuild): Json {
    return {
      id: g.id,
      name: g.name,
      icon: null,
      owner_id: g.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: g.roles,
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: g.systemChannelId,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      preferred_locale: 'en-US',
      premium_tier: 0,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: new Date().toISOString(),
      large: false,
      unavailable: false,
      member_count: g.members.length,
      voice_states: [],
      members: g.members,
      channels: g.channels,
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  // ───────────────────────────── REST ─────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname).replace(/^\/api(?:\/v\d+)?/, '');
    let body: any;
    const raw = Buffer.concat(chunks).toString('utf8');
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const method = req.method ?? 'GET';
    const record: RecordedRequest = { method, path, query: url.searchParams, body, headers: req.headers, at: Date.now() };
    this.requests.push(record);
    const latency = this.latencyFor?.(method, path) || this.latencyMs;
    if (latency) await new Promise((r) => setTimeout(r, latency));
    const isMessagePost = method === 'POST' && /^\/channels\/\d+\/messages$/.test(path);
    if (isMessagePost && this.messagePosts.latencyMs) await new Promise((r) => setTimeout(r, this.messagePosts.latencyMs));
    let result: { status: number; body?: unknown; headers?: Record<string, string> };
    try {
      const failure = isMessagePost && this.messagePosts.failureRate && (this.messagePosts.random ?? Math.random)() < this.messagePosts.failureRate;
      result = failure
        ? { status: this.messagePosts.failureStatus ?? 503, body: { message: `${this.messagePosts.failureStatus ?? 503}: Service Unavailable`, code: 0 } }
        : this.route(method, path, url.searchParams, body, req.headers);
    } catch (error) {
      result = { status: 500, body: { message: `fake discord crashed: ${(error as Error).message}`, code: 0 } };
    }
    if (result.status === 429) this.rateLimitedCount++;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...(this.options.bareRateLimits
        ? {}
        : {
            'x-ratelimit-limit': '5',
            'x-ratelimit-remaining': '4',
            'x-ratelimit-reset': String(Date.now() / 1000 + 1),
            'x-ratelimit-reset-after': '1',
            'x-ratelimit-bucket': bucketFor(method, path),
          }),
      ...result.headers,
    };
    const text = typeof result.body === 'object' && result.body !== null ? (result.body as Record<symbol, string>)[RAW_TEXT] : undefined;
    if (result.status === 204 || result.body === RAW_EMPTY) {
      delete headers['content-type'];
      res.writeHead(result.status, headers).end();
    } else if (text !== undefined) {
      res.writeHead(result.status, { ...headers, 'content-type': 'text/plain' }).end(text);
    } else {
      res.writeHead(result.status, headers).end(JSON.stringify(result.body ?? {}));
    }
    this.events.emit('request', record);
    const interactionId = /^\/interactions\/(\d+)\//.exec(path)?.[1];
    const webhookToken = /^\/webhooks\/\d+\/([^/]+)/.exec(path)?.[1];
    for (const h of this.interactions.values()) {
      if (h.id === interactionId || h.token === webhookToken) h.notify();
    }
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: any,
    headers: Json,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const scripted = this.scriptedFailure(method, path);
    if (scripted) return scripted;
    const needsAuth = !path.startsWith('/interactions/') && !path.startsWith('/webhooks/');
    // Like Discord, interaction callbacks and webhooks are not bound by the bot's global limit.
    const limited = needsAuth ? this.globalLimit() : undefined;
    if (limited) return limited;
    if (needsAuth && headers.authorization !== `Bot ${this.token}`) return { status: 401, body: { message: '401: Unauthorized', code: 0 } };

    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      return {
        status: 200,
        body: {
          url: this.wsUrl,
          shards: this.options.shards ?? 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: this.options.maxConcurrency ?? 1 },
        },
      };
    }
    if (method === 'GET' && path === '/gateway') return { status: 200, body: { url: this.wsUrl } };
    if (method === 'GET' && path === '/users/@me') return { status: 200, body: this.botUser };
    if (method === 'GET' && (path === '/oauth2/applications/@me' || path === '/applications/@me')) {
      return { status: 200, body: { id: this.applicationId, name: 'Sitrep', description: '', bot_public: true, bot: this.botUser, flags: 0, icon: null } };
    }
    if ((m = /^\/applications\/(\d+)\/commands$/.exec(path))) {
      if (m[1] !== this.applicationId) return unknown(10002, 'Unknown Application');
      if (method === 'PUT') {
        this.commands.global = (body as Json[]).map((c) => ({ ...c, id: snowflake(), application_id: this.applicationId, version: snowflake() }));
        return { status: 200, body: this.commands.global };
      }
      if (method === 'GET') return { status: 200, body: this.commands.global };
    }
    if ((m = /^\/applications\/(\d+)\/guilds\/(\d+)\/commands$/.exec(path))) {
      if (m[1] !== this.applicationId) return unknown(10002, 'Unknown Application');
      if (!this.guilds.has(m[2]!)) return { status: 403, body: { message: 'Missing Access', code: 50001 } };
      if (method === 'PUT') {
        const list = (body as Json[]).map((c) => ({ ...c, id: snowflake(), application_id: this.applicationId, guild_id: m![2], version: snowflake() }));
        this.commands.guild.set(m[2]!, list);
        return { status: 200, body: list };
      }
      if (method === 'GET') return { status: 200, body: this.commands.guild.get(m[2]!) ?? [] };
    }
    if (method === 'POST' && (m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path))) return this.callback(m[1]!, m[2]!, body, query);
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/([^/]+)$/.exec(path))) return this.webhookMessage(method, m[1]!, m[2]!, m[3]!, body);
    if (method === 'POST' && (m = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(path))) return this.followup(m[1]!, m[2]!, body);
    if ((m = /^\/channels\/(\d+)$/.exec(path)) && method === 'GET') {
      const channel = this.channel(m[1]!);
      if (!channel) return unknown(10003, 'Unknown Channel');
      if (!(this.permissionsIn(channel.id) & PermissionFlagsBits.ViewChannel)) return { status: 403, body: { message: 'Missing Access', code: 50001 } };
      return { status: 200, body: channel };
    }
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'POST') return this.channelPost(m[1]!, body);
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(path)) && method === 'POST') return this.threadFromMessage(m[1]!, m[2]!, body);
    if ((m = /^\/channels\/(\d+)\/threads$/.exec(path)) && method === 'POST') return this.standaloneThread(m[1]!, body);
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/crosspost$/.exec(path)) && method === 'POST') return this.crosspost(m[1]!, m[2]!);
    if ((m = /^\/guilds\/(\d+)\/threads\/active$/.exec(path)) && method === 'GET') {
      if (!this.guilds.has(m[1]!)) return unknown(10004, 'Unknown Guild');
      const threads = [...this.threadChannels.values()].filter(
        (t) => t.guild_id === m![1] && !t.thread_metadata.archived && this.permissionsIn(t.id) & PermissionFlagsBits.ViewChannel,
      );
      return { status: 200, body: { threads, members: [] } };
    }
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'GET') {
      const channel = this.channel(m[1]!);
      if (!channel) return unknown(10003, 'Unknown Channel');
      return { status: 200, body: [...this.messages(channel.id)].reverse() };
    }
    if ((m = /^\/guilds\/(\d+)$/.exec(path)) && method === 'GET') {
      const g = this.guilds.get(m[1]!);
      return g ? { status: 200, body: this.restGuild(g) } : unknown(10004, 'Unknown Guild');
    }
    if ((m = /^\/guilds\/(\d+)\/channels$/.exec(path)) && method === 'GET') {
      const g = this.guilds.get(m[1]!);
      return g ? { status: 200, body: g.channels } : unknown(10004, 'Unknown Guild');
    }
    if ((m = /^\/guilds\/(\d+)\/roles$/.exec(path)) && method === 'GET') {
      const g = this.guilds.get(m[1]!);
      return g ? { status: 200, body: g.roles } : unknown(10004, 'Unknown Guild');
    }
    if ((m = /^\/guilds\/(\d+)\/members\/(@me|\d+)$/.exec(path)) && method === 'GET') {
      const g = this.guilds.get(m[1]!);
      if (!g) return unknown(10004, 'Unknown Guild');
      const id = m[2] === '@me' ? this.botUser.id : m[2];
      const member = g.members.find((mm) => mm.user.id === id);
      return member ? { status: 200, body: member } : unknown(10007, 'Unknown Member');
    }
    return { status: 404, body: { message: '404: Not Found', code: 0 } };
  }

  private scriptedFailure(method: string, path: string): { status: number; body: unknown; headers?: Record<string, string> } | undefined {
    const index = this.failures.findIndex(
      (f) => (!f.method || f.method === method) && (typeof f.path === 'string' ? path === f.path || path.startsWith(f.path) : f.path.test(path)),
    );
    if (index < 0) return undefined;
    const f = this.failures[index]!;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) this.failures.splice(index, 1);
    if (f.status === 429) {
      const style = f.rateLimitStyle ?? (this.options.bareRateLimits ? 'bare' : 'full');
      return rateLimited(f.retryAfter ?? 0.05, Boolean(f.global), bucketFor(method, path), style);
    }
    if (f.body === 'none') return { status: f.status, body: RAW_EMPTY };
    if (f.body === 'text') return { status: f.status, body: rawText(f.message ?? `${f.status} error`) };
    const defaults: Record<number, string> = {
      50013: 'Missing Permissions',
      50001: 'Missing Access',
      10003: 'Unknown Channel',
      10008: 'Unknown Message',
      10062: 'Unknown interaction',
    };
    return {
      status: f.status,
      body:
        f.status >= 500
          ? { message: f.message ?? '500: Internal Server Error', code: 0 }
          : { message: f.message ?? defaults[f.code ?? 0] ?? 'Error', code: f.code ?? 0 },
    };
  }

  private globalLimit(): { status: number; body: unknown; headers: Record<string, string> } | undefined {
    if (!this.rateLimitPerSecond) return undefined;
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount++;
    if (this.windowCount <= this.rateLimitPerSecond) return undefined;
    return rateLimited(Math.max(0.001, (1000 - (now - this.windowStart)) / 1000), true, 'global', this.options.bareRateLimits ? 'bare' : 'full');
  }

  private interactionFor(id: string, token: string): InteractionHandle | undefined {
    const h = this.interactions.get(id);
    return h && h.token === token ? h : undefined;
  }

  private handleByToken(appId: string, token: string): InteractionHandle | undefined {
    if (appId !== this.applicationId) return undefined;
    for (const h of this.interactions.values()) if (h.token === token) return h;
    return undefined;
  }

  private callback(id: string, token: string, body: Json, query: URLSearchParams): { status: number; body?: unknown } {
    const h = this.interactionFor(id, token);
    if (!h) return unknown(10062, 'Unknown interaction');
    if (Date.now() - h.createdAt > (this.options.interactionTimeoutMs ?? 3000)) return unknown(10062, 'Unknown interaction');
    if (h.callbacks.length) return { status: 400, body: { message: 'Interaction has already been acknowledged.', code: 40060 } };
    if (body?.type === 4 || body?.type === 7) {
      const invalid = this.invalidMessage(body.data ?? {});
      if (invalid) return invalid;
      this.payloads.push(body.data);
    } else if (body?.type === 8) {
      const problems = choiceProblems(body.data?.choices ?? []);
      if (problems.length) return formError(problems);
    } else if (body?.type !== 5 && body?.type !== 6 && body?.type !== 9) {
      return formError([`unsupported callback type ${body?.type}`]);
    }
    h.callbacks.push(body);
    if (body.type === 4) h.original = this.messageObject(h.payload.channel_id, body.data, true);
    if (query.get('with_response') === 'true' && !this.options.noCallbackBody) {
      return { status: 200, body: { interaction: { id, type: h.payload.type }, resource: { type: body.type, message: h.original } } };
    }
    return { status: 204 };
  }

  private webhookMessage(method: string, appId: string, token: string, messageId: string, body: Json): { status: number; body?: unknown } {
    const h = this.handleByToken(appId, token);
    if (!h) return unknown(10015, 'Unknown Webhook');
    if (!h.callbacks.length) return unknown(10008, 'Unknown Message');
    if (messageId === '@original') {
      if (method === 'GET') return h.original ? { status: 200, body: h.original } : unknown(10008, 'Unknown Message');
      if (method === 'DELETE') {
        h.deleted = true;
        return { status: 204 };
      }
      if (method === 'PATCH') {
        const merged = { ...(h.original ?? {}), ...body };
        const invalid = this.invalidMessage(merged);
        if (invalid) return invalid;
        this.payloads.push(body);
        h.original = this.messageObject(h.payload.channel_id, merged, true, h.original?.id);
        return { status: 200, body: h.original };
      }
    }
    const followup = h.followups.find((f) => f.id === messageId);
    if (!followup) return unknown(10008, 'Unknown Message');
    if (method === 'PATCH') {
      Object.assign(followup, body);
      this.payloads.push(body);
      return { status: 200, body: followup };
    }
    return { status: 200, body: followup };
  }

  private followup(appId: string, token: string, body: Json): { status: number; body?: unknown } {
    const h = this.handleByToken(appId, token);
    if (!h) return unknown(10015, 'Unknown Webhook');
    if (!h.callbacks.length) return unknown(10015, 'Unknown Webhook');
    const invalid = this.invalidMessage(body);
    if (invalid) return invalid;
    this.payloads.push(body);
    const message = { ...this.messageObject(h.payload.channel_id, body, true), ephemeral: Boolean((body.flags ?? 0) & 64) };
    h.followups.push(message);
    return { status: 200, body: message };
  }

  private channelPost(channelId: string, body: Json): { status: number; body?: unknown } {
    const channel = this.channel(channelId);
    if (!channel) return unknown(10003, 'Unknown Channel');
    const perms = this.permissionsIn(channelId);
    const isThread = Boolean(channel.thread_metadata);
    if (!(perms & PermissionFlagsBits.ViewChannel)) return { status: 403, body: { message: 'Missing Access', code: 50001 } };
    if (channel.type === 15) return { status: 400, body: { message: 'Cannot execute action on this channel type', code: 50024 } };
    if (isThread && channel.thread_metadata.locked && !(perms & PermissionFlagsBits.ManageThreads))
      return { status: 403, body: { message: 'Thread is locked', code: 160005 } };
    if (isThread && channel.thread_metadata.archived) return { status: 400, body: { message: 'Thread is archived', code: 50083 } };
    const sendFlag = isThread ? PermissionFlagsBits.SendMessagesInThreads : PermissionFlagsBits.SendMessages;
    if (!(perms & sendFlag)) return { status: 403, body: { message: 'Missing Permissions', code: 50013 } };
    if (body?.embeds?.length && !(perms & PermissionFlagsBits.EmbedLinks)) return { status: 403, body: { message: 'Missing Permissions', code: 50013 } };
    const invalid = this.invalidMessage(body ?? {});
    if (invalid) return invalid;
    const list = this.channelMessages.get(channelId) ?? [];
    // Like Discord: with enforce_nonce, a repeat of a recent nonce returns the message already created.
    if (body?.enforce_nonce && body.nonce !== undefined) {
      const existing = list.find((m) => m.nonce === String(body.nonce) && Date.now() - Date.parse(m.timestamp) < 5 * 60_000);
      if (existing) return { status: 200, body: existing };
    }
    this.payloads.push(body);
    const message: Json = { ...this.messageObject(channelId, body, false), ...(body?.nonce !== undefined ? { nonce: String(body.nonce) } : {}) };
    list.push(message);
    this.channelMessages.set(channelId, list);
    channel.last_message_id = message.id;
    if (isThread) channel.message_count = (channel.message_count ?? 0) + 1;
    return { status: 200, body: message };
  }

  private activeThreadLimit(guildId: string): { status: number; body: unknown } | undefined {
    if (this.maxActiveThreads === undefined) return undefined;
    const active = [...this.threadChannels.values()].filter((t) => t.guild_id === guildId && !t.thread_metadata.archived).length;
    return active >= this.maxActiveThreads ? { status: 400, body: { message: 'Maximum number of active threads reached', code: 160006 } } : undefined;
  }

  private threadName(body: Json): string | undefined {
    return typeof body?.name === 'string' && body.name.length >= 1 && body.name.length <= 100 ? body.name : undefined;
  }

  /** POST /channels/:id/messages/:id/threads: the thread gets the message's id, once. */
  private threadFromMessage(channelId: string, messageId: string, body: Json): { status: number; body?: unknown } {
    const channel = this.channel(channelId);
    if (!channel) return unknown(10003, 'Unknown Channel');
    const perms = this.permissionsIn(channelId);
    if (!(perms & PermissionFlagsBits.ViewChannel)) return { status: 403, body: { message: 'Missing Access', code: 50001 } };
    if (channel.type !== 0 && channel.type !== 5) return { status: 400, body: { message: 'Cannot execute action on this channel type', code: 50024 } };
    if (!(perms & PermissionFlagsBits.CreatePublicThreads)) return { status: 403, body: { message: 'Missing Permissions', code: 50013 } };
    if (!this.messages(channelId).some((m) => m.id === messageId)) return unknown(10008, 'Unknown Message');
    if (this.threadChannels.has(messageId)) return { status: 400, body: { message: 'A thread has already been created for this message', code: 160004 } };
    const name = this.threadName(body);
    if (!name) return formError(['name must be 1-100 characters']);
    const limited = this.activeThreadLimit(channel.guild_id);
    if (limited) return limited;
    return { status: 201, body: this.createThread(channel, { id: messageId, name, ownerId: this.botUser.id }) };
  }

  /** POST /channels/:id/threads: a forum post with its first message (the post's id), or a thread without one. */
  private standaloneThread(channelId: string, body: Json): { status: number; body?: unknown } {
    const channel = this.channel(channelId);
    if (!channel) return unknown(10003, 'Unknown Channel');
    const perms = this.permissionsIn(channelId);
    if (!(perms & PermissionFlagsBits.ViewChannel)) return { status: 403, body: { message: 'Missing Access', code: 50001 } };
    const name = this.threadName(body);
    if (!name) return formError(['name must be 1-100 characters']);
    if (channel.type === 15) {
      // Like Discord: a forum post takes Send Messages (its first message) in the forum.
      if (!(perms & PermissionFlagsBits.SendMessages)) return { status: 403, body: { message: 'Missing Permissions', code: 50013 } };
      const message = body?.message;
      if (!message || typeof message !== 'object') return formError(['message is required in a forum channel']);
      if (message.embeds?.length && !(perms & PermissionFlagsBits.EmbedLinks)) return { status: 403, body: { message: 'Missing Permissions', code: 50013 } };
      const applied: unknown[] = Array.isArray(body.applied_tags) ? body.applied_tags : [];
      const tagIds = new Set((channel.available_tags as Json[]).map((t) => t.id));
      if (applied.length > 5) return formError(['applied_tags: at most 5']);
      if (applied.some((id) => !tagIds.has(String(id)))) return formError(['applied_tags: unknown tag']);
      if (channel.flags & 16 && applied.length === 0)
        return { status: 400, body: { message: 'A tag is required to create a forum post in this channel', code: 40067 } };
      const invalid = this.invalidMessage(message);
      if (invalid) return invalid;
      const limited = this.activeThreadLimit(channel.guild_id);
      if (limited) return limited;
      const id = snowflake();
      const thread = this.createThread(channel, { id, name, ownerId: this.botUser.id, appliedTags: applied.map(String) });
      this.payloads.push(message);
      const first: Json = this.messageObject(id, message, false, id);
      this.channelMessages.set(id, [first]);
      thread.last_message_id = id;
      thread.message_count = 1;
      return { status: 201, body: { ...thread, message: first } };
    }
    if (channel.type !== 0 && channel.type !== 5) return { status: 400, body: { message: 'Cannot execute action on this channel type', code: 50024 } };
    if (!(perms & PermissionFlagsBits.CreatePublicThreads)) return { status: 403, body: { message: 'Missing Permissions', code: 50013 } };
    const limited = this.activeThreadLimit(channel.guild_id);
    if (limited) return limited;
    return { status: 201, body: this.createThread(channel, { id: snowflake(), name, ownerId: this.botUser.id }) };
  }

  /** POST /channels/:id/messages/:id/crosspost: announcement channels; someone else's message takes Manage Messages. */
  private crosspost(channelId: string, messageId: string): { status: number; body?: unknown } {
    const channel = this.channel(channelId);
    if (!channel) return unknown(10003, 'Unknown Channel');
    const perms = this.permissionsIn(channelId);
    if (!(perms & PermissionFlagsBits.ViewChannel)) return { status: 403, body: { message: 'Missing Access', code: 50001 } };
    if (channel.type !== 5) return { status: 400, body: { message: 'Cannot execute action on this channel type', code: 50024 } };
    const message = this.messages(channelId).find((m) => m.id === messageId);
    if (!message) return unknown(10008, 'Unknown Message');
    const needed = message.author?.id === this.botUser.id ? PermissionFlagsBits.SendMessages : PermissionFlagsBits.ManageMessages;
    if (!(perms & needed)) return { status: 403, body: { message: 'Missing Permissions', code: 50013 } };
    if (message.flags & 1) return { status: 400, body: { message: 'This message has already been crossposted', code: 40033 } };
    message.flags |= 1;
    this.crossposts.push({ channelId, messageId });
    return { status: 200, body: message };
  }

  private invalidMessage(body: Json): { status: number; body: unknown } | undefined {
    const problems = messageProblems(body);
    if (this.options.minimal) {
      // Stricter than Discord where its documentation leaves room: no empty content string, parseable embed URLs.
      if (body.content === '') problems.push('content is an empty string');
      for (const embed of body.embeds ?? []) {
        if (embed.url !== undefined && !URL.canParse(embed.url)) problems.push(`embed url ${embed.url} does not parse`);
      }
    }
    return problems.length ? formError(problems) : undefined;
  }

  private messageObject(channelId: string, body: Json, viaWebhook: boolean, id = snowflake()): Json {
    const channel = this.channel(channelId);
    return {
      id,
      channel_id: channelId,
      ...(channel ? { guild_id: channel.guild_id } : {}),
      author: this.botUser,
      content: body.content ?? '',
      embeds: body.embeds ?? [],
      components: body.components ?? [],
      attachments: [],
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      type: viaWebhook ? 20 : 0,
      flags: body.flags ?? 0,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      allowed_mentions: body.allowed_mentions,
      ...(viaWebhook ? { webhook_id: this.applicationId, application_id: this.applicationId } : {}),
    };
  }

  private mustGuild(id: string): FakeGuild {
    const g = this.guilds.get(id);
    if (!g) throw new Error(`fake discord: no guild ${id}`);
    return g;
  }
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  return new FakeDiscord(options).listen();
}

function unknown(code: number, message: string) {
  return { status: 404, body: { message, code } };
}

function formError(problems: string[]) {
  return {
    status: 400,
    body: { message: 'Invalid Form Body', code: 50035, errors: { _errors: problems.map((p) => ({ code: 'BASE_TYPE_INVALID', message: p })) } },
  };
}

/** Markers for answers that are not JSON. */
const RAW_EMPTY = Symbol('empty body');
function rawText(text: string) {
  return { [RAW_TEXT]: text };
}
const RAW_TEXT = Symbol('text body');

function rateLimited(retryAfter: number, global: boolean, bucket: string, style: 'full' | 'bare' | 'body-only' | 'none' = 'full') {
  const body = { message: 'You are being rate limited.', retry_after: retryAfter, global };
  if (style === 'bare') return { status: 429, body, headers: { 'retry-after': String(retryAfter) } };
  if (style === 'body-only') return { status: 429, body, headers: {} };
  if (style === 'none') return { status: 429, body: RAW_EMPTY, headers: {} };
  const headers: Record<string, string> = {
    'retry-after': String(retryAfter),
    'x-ratelimit-limit': '5',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': String(Date.now() / 1000 + retryAfter),
    'x-ratelimit-reset-after': String(retryAfter),
    'x-ratelimit-bucket': bucket,
    'x-ratelimit-scope': global ? 'global' : 'user',
  };
  if (global) headers['x-ratelimit-global'] = 'true';
  return { status: 429, body, headers };
}

function bucketFor(method: string, path: string): string {
  return `${method}:${path
    .replace(/\/\d{15,}/g, '/:id')
    .replace(/\/webhooks\/:id\/[^/]+/, '/webhooks/:id/:token')
    .replace(/\/interactions\/:id\/[^/]+/, '/interactions/:id/:token')}`;
}

function userObject(id: string, username: string): Json {
  return { id, username, discriminator: '0', global_name: username, avatar: null, bot: false };
}

function roleObject(id: string, name: string, permissions: bigint, position: number, managed = false): Json {
  return {
    id,
    name,
    color: 0,
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position,
    permissions: permissions.toString(),
    managed,
    mentionable: false,
    flags: 0,
  };
}

function memberObject(user: Json, roles: string[]): Json {
  return {
    user,
    roles,
    joined_at: new Date().toISOString(),
    deaf: false,
    mute: false,
    flags: 0,
    nick: null,
    avatar: null,
    premium_since: null,
    pending: false,
  };
}

interface Session {
  ws: WebSocket;
  seq: number;
  ready: boolean;
  /** [shard_id, num_shards] from IDENTIFY (or RESUME), [0, 1] when not given. */
  shard: [number, number];
}

/** Discord's rule: a guild's events go to shard (guild_id >> 22) % num_shards. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

function owns(conn: Session, guildId: string | null): boolean {
  const [id, count] = conn.shard;
  return guildId === null ? id === 0 : shardOf(guildId, count) === id;
}

function validShard(shard: unknown): [number, number] {
  if (
    Array.isArray(shard) &&
    shard.length === 2 &&
    Number.isInteger(shard[0]) &&
    Number.isInteger(shard[1]) &&
    shard[1] > 0 &&
    shard[0] >= 0 &&
    shard[0] < shard[1]
  ) {
    return [shard[0], shard[1]];
  }
  return [0, 1];
}
