import { Events, type Client } from 'discord.js';
// @discordjs/ws is discord.js's own gateway package (installed with it, same version discord.js pins).
import { SimpleShardingStrategy, WebSocketShardEvents, WebSocketShardStatus, type IShardingStrategy, type WebSocketManager } from '@discordjs/ws';

type Packet = { t?: string | null; d?: Record<string, unknown> | null };

/**
 * Fills in dispatch fields that discord.js 14 reads without checking, so a Discord-compatible gateway that
 * leaves them out (they are newer additions to Discord's docs: monetisation, user-installed apps) cannot
 * make discord.js throw and silently drop the event. Without this, an INTERACTION_CREATE with no
 * `entitlements` never reaches the router and the user waits for an answer that never comes.
 * Hand-written because discord.js has no hook for it; the 'raw' event is emitted with the very packet
 * object discord.js then handles, so filling it in place is enough.
 */
export function normaliseDispatch(packet: Packet): void {
  const d = packet.d;
  if (!d || typeof d !== 'object') return;
  switch (packet.t) {
    case 'INTERACTION_CREATE': {
      if (!Array.isArray(d.entitlements)) d.entitlements = [];
      if (!d.authorizing_integration_owners || typeof d.authorizing_integration_owners !== 'object') d.authorizing_integration_owners = {};
      // discord.js takes the channel id from the `channel` object only; older payloads carry just `channel_id`.
      if (!d.channel && typeof d.channel_id === 'string') d.channel = { id: d.channel_id };
      // Slash commands (application command and autocomplete interactions) without `data.type` are chat-input commands.
      const data = d.data as { type?: unknown } | undefined;
      if ((d.type === 2 || d.type === 4) && data && typeof data === 'object' && data.type === undefined) data.type = 1;
      break;
    }
    case 'READY': {
      if (!Array.isArray(d.guilds)) d.guilds = [];
      const user = d.user as { id?: string } | undefined;
      // For a bot, the application shares its id with the bot user.
      if (!d.application && user?.id) d.application = { id: user.id, flags: 0 };
      break;
    }
    default:
      break;
  }
}

export function installDispatchNormaliser(client: Client): void {
  client.on(Events.Raw, (packet: Packet) => normaliseDispatch(packet));
}

/** Exponential backoff with jitter between gateway reconnects: base·2ⁿ capped, the wait drawn from [½, 1] of it. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  random?: () => number;
}

export const DEFAULT_GATEWAY_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 };

export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (policy.random ?? Math.random)() * (ceiling / 2));
}

/**
 * Spaces a shard's reconnects. @discordjs/ws 1.x retries a lost connection every 500 ms for ever (twice a
 * second against a dead gateway) and has no backoff option, but every connect attempt starts by asking the
 * manager for the shard's session (`retrieveSessionInfo`) while the shard is idle: waiting there is the one
 * hook it offers. Hand-written for that reason. The counter resets once the shard is ready or resumed;
 * after stop() no shard connects again (the pending wait never resolves), so a stopping process is not
 * kept alive by a reconnect loop.
 */
export class GatewayBackoff {
  private readonly attempts = new Map<number, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly policy: BackoffPolicy = DEFAULT_GATEWAY_BACKOFF,
    private readonly onWait?: (shardId: number, attempt: number, delayMs: number) => void,
  ) {}

  /** For discord.js's `ws.buildStrategy`: the default strategy, with the wait in front of each reconnect. */
  buildStrategy = (manager: WebSocketManager): IShardingStrategy => {
    const strategy = new SimpleShardingStrategy(manager);
    // `shards` is private in the typings only; the strategy keeps its shards there (read-only use).
    const shards = (strategy as unknown as { shards: Map<number, { status: WebSocketShardStatus }> }).shards;
    const retrieve = manager.options.retrieveSessionInfo;
    manager.options.retrieveSessionInfo = async (shardId: number) => {
      if (shards.get(shardId)?.status === WebSocketShardStatus.Idle) await this.beforeConnect(shardId);
      return retrieve(shardId);
    };
    manager.on(WebSocketShardEvents.Ready, ({ shardId }) => this.attempts.delete(shardId));
    manager.on(WebSocketShardEvents.Resumed, ({ shardId }) => this.attempts.delete(shardId));
    return strategy;
  };

  async beforeConnect(shardId: number): Promise<void> {
    if (this.stopped) return new Promise<void>(() => undefined);
    const attempt = (this.attempts.get(shardId) ?? 0) + 1;
    this.attempts.set(shardId, attempt);
    if (attempt === 1) return; // the first connection (and the first retry after a drop) goes at once
    const delay = backoffDelay(attempt - 1, this.policy);
    this.onWait?.(shardId, attempt, delay);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!this.stopped) resolve();
      }, delay);
      this.timers.add(timer);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
