import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { UserError } from '../core/errors.ts';
import type { Store } from '../store/index.ts';
import { describeSchedule, isCronMacro, nextRun, parseCron, parseTime, parseTimezone } from './schedule-input.ts';
import { TARGET_KINDS, type BriefingFormat, type EmptyPolicy, type Schedule, type Subscription, type TargetKind } from './types.ts';

export { parseCron, parseTime, parseTimezone, suggestTimezone } from './schedule-input.ts';

export interface SubscribeInput {
  guildId: string;
  channelId: string;
  /** How briefings are posted there (docs/briefings.md, Targets); default `channel`. */
  target?: TargetKind;
  /** Tells a channel's subscriptions apart: 1–32 letters, digits, "-", "_" or spaces; default "daily". */
  name?: string;
  /** HH:MM (24-hour) or a 12-hour time (8:00 PM, 8pm). Exactly one of `time` and `cron`. */
  time?: string;
  /** 5-field cron expression (minute hour day-of-month month day-of-week). */
  cron?: string;
  /** IANA timezone, e.g. Europe/Rome. */
  timezone: string;
  /** Lists, or one comma-separated string. */
  topics?: string[] | string;
  actors?: string[] | string;
  regions?: string[] | string;
  sources?: string[] | string;
  format?: BriefingFormat;
  emptyPolicy?: EmptyPolicy;
  createdBy: string;
}

/** Why a subscription was removed (unsubscribed, channel deleted, ...), kept after the subscription is gone. */
export interface SubscriptionRemoval {
  subscription: Subscription;
  reason: string;
  at: string;
}

export type SubscriptionChange = { kind: 'upsert'; subscription: Subscription } | { kind: 'remove'; subscription: Subscription };

const MAX_FILTER_TERMS = 25;
const MAX_TERM_LENGTH = 100;
export const DEFAULT_SUBSCRIPTION_NAME = 'daily';

/** Discord snowflakes, or the terminal's local ids: short, no separators that would break storage keys. */
const idSchema = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`)
    .max(64, `${what} is too long`)
    .regex(/^[\w-]+$/, `${what} may only contain letters, digits, "_" and "-"`);

const termList = (what: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value, ctx) => {
      const raw = value === undefined ? [] : Array.isArray(value) ? value.flatMap((v) => v.split(',')) : value.split(',');
      const seen = new Set<string>();
      const terms: string[] = [];
      for (const term of raw.map((t) => t.trim().replace(/\s+/g, ' ')).filter(Boolean)) {
        if (term.length > MAX_TERM_LENGTH) {
          ctx.addIssue({ code: 'custom', message: `Each of the ${what} must be at most ${MAX_TERM_LENGTH} characters` });
          return z.NEVER;
        }
        const key = term.toLowerCase();
        if (!seen.has(key)) {
          seen.add(key);
          terms.push(term);
        }
      }
      if (terms.length > MAX_FILTER_TERMS) {
        ctx.addIssue({ code: 'custom', message: `At most ${MAX_FILTER_TERMS} ${what} per subscription` });
        return z.NEVER;
      }
      return terms;
    });

const nameSchema = z
  .string()
  .trim()
  .transform((v) => v.replace(/\s+/g, ' '))
  .pipe(
    z
      .string()
      .min(1, 'A briefing name needs at least one character')
      .max(32, 'A briefing name is at most 32 characters')
      .regex(/^[\p{L}\p{N}_ -]+$/u, 'A briefing name may only contain letters, digits, "-", "_" and spaces'),
  );

const subscribeSchema = z.object({
  guildId: idSchema('Guild id'),
  channelId: idSchema('Channel id'),
  target: z.enum(TARGET_KINDS as [TargetKind, ...TargetKind[]], { error: `Target must be one of ${TARGET_KINDS.join(', ')}` }).default('channel'),
  name: z.preprocess((v) => (v === undefined || v === null || v === '' ? DEFAULT_SUBSCRIPTION_NAME : v), nameSchema),
  time: z.string().trim().optional(),
  cron: z.string().trim().optional(),
  timezone: z.string({ error: 'Timezone is required, e.g. Europe/Rome' }).trim().min(1, 'Timezone is required, e.g. Europe/Rome'),
  topics: termList('topics'),
  actors: termList('actors'),
  regions: termList('regions'),
  sources: termList('sources'),
  format: z.enum(['compact', 'full'], { error: 'Format must be "compact" or "full"' }).default('full'),
  emptyPolicy: z.enum(['skip', 'notice'], { error: 'Empty-day policy must be "skip" or "notice"' }).default('skip'),
  createdBy: z.string({ error: 'createdBy is required' }).trim().min(1, 'createdBy is required'),
});

/** Validates input into the stored parts of a subscription; every problem is a specific UserError. */
export function parseSubscribeInput(
  input: SubscribeInput,
): Pick<Subscription, 'guildId' | 'channelId' | 'target' | 'name' | 'schedule' | 'filters' | 'format' | 'emptyPolicy' | 'createdBy'> {
  const parsed = subscribeSchema.safeParse(input);
  if (!parsed.success) throw new UserError(parsed.error.issues[0]?.message ?? 'Invalid subscription', 'invalid_subscription');
  const data = parsed.data;
  // "@daily" typed as the time is a cron macro, not a badly written HH:MM.
  if (data.time && isCronMacro(data.time) && !data.cron) {
    data.cron = data.time;
    data.time = undefined;
  }
  const hasTime = Boolean(data.time);
  const hasCron = Boolean(data.cron);
  if (hasTime && hasCron) throw new UserError('Give either a time (HH:MM) or a cron expression, not both', 'invalid_schedule');
  if (!hasTime && !hasCron) {
    throw new UserError('A schedule is required: a time (HH:MM, e.g. 07:30) or a 5-field cron expression', 'invalid_schedule');
  }
  const timezone = parseTimezone(data.timezone);
  const schedule: Schedule = hasTime
    ? { kind: 'daily', time: parseTime(data.time!), timezone }
    : { kind: 'cron', cron: parseCron(data.cron!, timezone), timezone };
  return {
    guildId: data.guildId,
    channelId: data.channelId,
    target: data.target,
    name: data.name,
    schedule,
    filters: { topics: data.topics, actors: data.actors, regions: data.regions, sources: data.sources },
    format: data.format,
    emptyPolicy: data.emptyPolicy,
    createdBy: data.createdBy,
  };
}

/**
 * `guild:channel` for the default name (so rows, delivery claims and jobs from before names keep their ids),
 * `guild:channel:<name>` otherwise; names compare case-insensitively.
 */
export function subscriptionId(guildId: string, channelId: string, name: string = DEFAULT_SUBSCRIPTION_NAME): string {
  const key = name.trim().replace(/\s+/g, ' ').toLowerCase();
  return key === DEFAULT_SUBSCRIPTION_NAME ? `${guildId}:${channelId}` : `${guildId}:${channelId}:${encodeURIComponent(key)}`;
}

/** Rows from before named subscriptions have no name: they are the channel's "daily" one. */
function withName(sub: Subscription): Subscription {
  return sub.name ? sub : { ...sub, name: DEFAULT_SUBSCRIPTION_NAME };
}

/**
 * Subscriptions of channels to scheduled briefings, several per channel told apart by name (CONTRACTS §6),
 * in the store's `subscriptions` namespace. Listeners (the scheduler) hear about every change made here.
 */
export class SubscriptionService {
  private readonly kv;
  private readonly removals;
  private readonly listeners = new Set<(change: SubscriptionChange) => void>();

  constructor(private readonly deps: { store: Store; clock: Clock }) {
    this.kv = deps.store.kv<Subscription>('subscriptions');
    this.removals = deps.store.kv<SubscriptionRemoval[]>('subscription-removals');
  }

  /** Creates or updates the subscription of a channel. A new subscription's cursor is now: it gets reports from now on. */
  async subscribe(input: SubscribeInput): Promise<Subscription> {
    const parts = parseSubscribeInput(input);
    const id = subscriptionId(parts.guildId, parts.channelId, parts.name);
    const stored = await this.kv.get(id);
    const existing = stored ? withName(stored) : undefined;
    const now = this.deps.clock.now().toISOString();
    const subscription: Subscription = existing
      ? // Updating keeps the cursor and delivery history. Subscribing again is how a moderator says "try
        // again" after fixing permissions, so it also lifts a pause.
        { ...existing, ...parts, id, paused: undefined }
      : { id, ...parts, createdAt: now, cursor: now };
    if (!subscription.paused) delete subscription.paused;
    if (existing && JSON.stringify(existing.schedule) !== JSON.stringify(subscription.schedule)) subscription.scheduledAt = now;
    await this.kv.set(id, subscription);
    this.emit({ kind: 'upsert', subscription });
    return subscription;
  }

  async unsubscribe(guildId: string, channelId: string, name?: string): Promise<Subscription | undefined> {
    const subscription = await this.get(guildId, channelId, name);
    if (!subscription) return undefined;
    await this.remove(subscription.id, 'unsubscribed');
    return subscription;
  }

  /** Every subscription, or those of one guild, ordered by guild then channel. */
  async list(guildId?: string): Promise<Subscription[]> {
    const out: Subscription[] = [];
    if (!this.kv.iterator) throw new Error('The configured store cannot list keys');
    for await (const [, value] of this.kv.iterator(undefined)) {
      const subscription = value as Subscription | undefined;
      if (subscription && (guildId === undefined || subscription.guildId === guildId)) out.push(withName(subscription));
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The subscriptions of one channel, by name. */
  async inChannel(guildId: string, channelId: string): Promise<Subscription[]> {
    return (await this.list(guildId)).filter((s) => s.channelId === channelId).sort((a, b) => a.name!.localeCompare(b.name!));
  }

  /**
   * A channel's subscription by name; without a name, the channel's only subscription (a UserError naming
   * the choices when it has several).
   */
  async get(guildId: string, channelId: string, name?: string): Promise<Subscription | undefined> {
    if (name !== undefined && name.trim() !== '') return this.getById(subscriptionId(guildId, channelId, name));
    const byDefault = await this.getById(subscriptionId(guildId, channelId));
    const all = await this.inChannel(guildId, channelId);
    if (all.length <= 1) return all[0] ?? byDefault;
    throw new UserError(
      `That channel has ${all.length} briefings (${all.map((s) => `"${s.name}"`).join(', ')}); say which one with the name option.`,
      'ambiguous_subscription',
    );
  }

  async getById(id: string): Promise<Subscription | undefined> {
    const stored = await this.kv.get(id);
    return stored ? withName(stored) : undefined;
  }

  /** The subscription's next run after `from`, if its schedule has one. */
  nextRunAt(sub: Subscription, from: Date): Date | undefined {
    return nextRun(sub.schedule, from);
  }

  /** The schedule in plain words, e.g. "every day at 08:00 (Europe/Paris)" or "at 07:00, Monday through Friday (Europe/Rome)". */
  describeSchedule(sub: Subscription): string {
    return describeSchedule(sub.schedule);
  }

  /** Stops deliveries to a subscription (e.g. the bot lost access), keeping why so moderators can see it. */
  async pause(id: string, reason: string): Promise<void> {
    await this.update(id, (s) => ({ ...s, paused: { reason, at: this.deps.clock.now().toISOString() } }));
  }

  async resume(id: string): Promise<void> {
    await this.update(id, (s) => {
      const { paused: _paused, ...rest } = s;
      return rest;
    });
  }

  /** Deletes a subscription and records why in the removal log. */
  async remove(id: string, reason: string): Promise<void> {
    const subscription = await this.getById(id);
    if (!subscription) return;
    const at = this.deps.clock.now().toISOString();
    const log = (await this.removals.get(subscription.guildId)) ?? [];
    log.push({ subscription, reason, at });
    await this.removals.set(subscription.guildId, log.slice(-100));
    await this.kv.delete(id);
    this.emit({ kind: 'remove', subscription });
  }

  /** Recent removals of a guild's subscriptions and why (newest last). */
  async removalLog(guildId: string): Promise<SubscriptionRemoval[]> {
    return (await this.removals.get(guildId)) ?? [];
  }

  /**
   * After a delivery: advances the cursor (never backwards) and records the delivery. A skipped empty day
   * (no message ids) only moves the cursor: "last briefing" keeps naming the last one actually posted.
   */
  async recordDelivery(id: string, delivery: { occurrence: string; at: string; messageIds: string[]; cursor?: string; cursorSeq?: number }): Promise<void> {
    await this.update(id, (s) => ({
      ...s,
      cursor: delivery.cursor && delivery.cursor > s.cursor ? delivery.cursor : s.cursor,
      ...(delivery.cursorSeq !== undefined && delivery.cursorSeq > (s.cursorSeq ?? -1) ? { cursorSeq: delivery.cursorSeq } : {}),
      ...(delivery.messageIds.length > 0 ? { lastDelivery: { occurrence: delivery.occurrence, at: delivery.at, messageIds: delivery.messageIds } } : {}),
    }));
  }

  /** Hears every change made through this service (the scheduler keeps its index current with it). */
  onChange(listener: (change: SubscriptionChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async update(id: string, change: (s: Subscription) => Subscription): Promise<void> {
    const existing = await this.getById(id);
    if (!existing) throw new UserError(`No subscription "${id}"`, 'not_found');
    const updated = change(existing);
    await this.kv.set(id, updated);
    this.emit({ kind: 'upsert', subscription: updated });
  }

  private emit(change: SubscriptionChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
