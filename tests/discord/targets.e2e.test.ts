/**
 * Briefing targets end to end through the real discord.js client against the loopback Discord-compatible
 * server: a thread per briefing, a forum post with tags, an announcement channel with crossposts and an
 * existing thread; the permission checks of /briefing subscribe; thread failures on the failure table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryKey, type DeliveryRecord } from '../../src/briefings/delivery-ledger.ts';
import { BriefingService } from '../../src/briefings/service.ts';
import { nextOccurrence } from '../../src/briefings/schedule.ts';
import { SubscriptionService } from '../../src/briefings/subscriptions.ts';
import type { Subscription, TargetKind } from '../../src/briefings/types.ts';
import subscribeCommand from '../../commands/briefing/subscribe.ts';
import { ManualClock, silentLogger } from '../briefings/support/harness.ts';
import { expectSafePayloads, startHarness, textOf, type Harness } from './harness.ts';

let h: Harness;
let clock: ManualClock;
let subscriptions: SubscriptionService;
let briefings: BriefingService;
const t0 = new Date();
const THREAD_PERMS = ['CreatePublicThreads', 'SendMessagesInThreads'] as const;

beforeAll(async () => {
  h = await startHarness();
  clock = new ManualClock(new Date(t0.getTime() - 3_600_000));
  subscriptions = new SubscriptionService({ store: h.app.store, clock });
  briefings = new BriefingService({
    config: { ...h.app.config, BRIEFING_MAX_AGE_DAYS: 100 * 365 },
    logger: silentLogger,
    clock,
    store: h.app.store,
    reports: h.app.reports,
    analysis: h.app.analysis,
    subscriptions,
    options: { retryBaseMs: 10 },
  });
});
afterAll(async () => {
  briefings?.stop();
  await h?.close();
});

let slot = 0;
/** Subscribes a channel and runs its first occurrence; each call gets its own minute of the day. */
async function deliver(channelId: string, target: TargetKind, extra: Partial<Parameters<SubscriptionService['subscribe']>[0]> = {}) {
  slot += 1;
  const time = `03:${String(slot).padStart(2, '0')}`;
  const sub = await subscriptions.subscribe({
    guildId: h.guild.id,
    channelId,
    target,
    time,
    timezone: 'UTC',
    createdBy: h.moderator.id,
    emptyPolicy: 'notice',
    ...extra,
  });
  const at = nextOccurrence(sub.schedule, clock.now());
  clock.set(at);
  const outcomes = await briefings.runDue(at, h.bot.transport);
  const outcome = outcomes.find((o) => o.subscriptionId === sub.id)!;
  const record = await h.app.store.getClaim<DeliveryRecord>(deliveryKey(sub.id, at));
  return { sub, at, outcome, record: record! };
}

const headerCount = (messages: Array<Record<string, any>>) =>
  messages.flatMap((m) => m.embeds ?? []).filter((e: { title?: string }) => e.title?.startsWith('Sitrep briefing')).length;

describe('briefing targets on the Discord-compatible server', () => {
  it('opens a new thread for each briefing, titled with its date, on the briefing’s first message', async () => {
    const channel = h.fake.addChannel(h.guild.id, { name: 'threaded', botAllow: [...THREAD_PERMS] }).id as string;
    const { outcome, record } = await deliver(channel, 'new-thread');
    expect(outcome.status).toBe('delivered');
    const threads = h.fake.threadsOf(channel);
    expect(threads).toHaveLength(1);
    const thread = threads[0]!;
    expect(thread.name).toMatch(/^Sitrep briefing — .*\d{4}/);
    expect(thread.name.length).toBeLessThanOrEqual(100);
    // The first message opens the thread (same id); the rest of the briefing is inside it.
    const inChannel = h.fake.messages(channel);
    expect(inChannel).toHaveLength(1);
    expect(thread.id).toBe(inChannel[0]!.id);
    expect(record.thread?.id).toBe(thread.id);
    expect(record.sent).toEqual([inChannel[0]!.id, ...h.fake.messages(thread.id).map((m) => m.id)]);
    expect(record.sent).toHaveLength(record.parts);
    expect(headerCount([...inChannel, ...h.fake.messages(thread.id)])).toBe(1);
    expectSafePayloads(h.fake);
  });

  it('posts into a forum: one post per briefing, titled with the date, with the tags matching its regions and topics', async () => {
    const forum = h.fake.addChannel(h.guild.id, {
      name: 'briefings-forum',
      type: 15,
      availableTags: ['Belarus', 'Defence', 'Arctic', 'Economy'],
      botAllow: [...THREAD_PERMS],
    });
    const { outcome, record } = await deliver(forum.id, 'forum', { regions: ['belarus'], topics: ['defence'] });
    expect(outcome.status).toBe('delivered');
    const posts = h.fake.threadsOf(forum.id);
    expect(posts).toHaveLength(1);
    const post = posts[0]!;
    expect(post.name).toMatch(/^Sitrep briefing — /);
    const tagName = (id: string) => (forum.available_tags as Array<{ id: string; name: string }>).find((t) => t.id === id)?.name;
    expect(post.applied_tags.map(tagName).sort()).toEqual(['Belarus', 'Defence']);
    const inPost = h.fake.messages(post.id);
    expect(record.thread?.id).toBe(post.id);
    expect(record.sent).toEqual(inPost.map((m) => m.id));
    expect(inPost).toHaveLength(record.parts);
    expect(headerCount(inPost)).toBe(1);
    expect(h.fake.messages(forum.id)).toHaveLength(0); // the post's messages live in the post
    expectSafePayloads(h.fake);
  });

  it('crossposts every message of a briefing in an announcement channel, once', async () => {
    const news = h.fake.addChannel(h.guild.id, { name: 'announcements', type: 5, botAllow: ['ManageMessages'] }).id as string;
    const { sub, at, outcome, record } = await deliver(news, 'announcement');
    expect(outcome.status).toBe('delivered');
    const ids = h.fake.messages(news).map((m) => m.id);
    expect(ids.length).toBe(record.parts);
    expect(h.fake.crossposts.filter((c) => c.channelId === news).map((c) => c.messageId)).toEqual(ids);
    expect(record.crossposted).toEqual(ids);
    // The same occurrence again (an at-least-once scheduler): nothing posted or crossposted twice.
    const again = await briefings.runDue(at, h.bot.transport);
    expect(again.find((o) => o.subscriptionId === sub.id)?.status ?? 'already_delivered').toBe('already_delivered');
    expect(h.fake.crossposts.filter((c) => c.channelId === news)).toHaveLength(ids.length);
    expectSafePayloads(h.fake);
  });

  it('a refused crosspost pauses naming Manage Messages; subscribing again resumes it without reposting or crossposting twice', async () => {
    const news = h.fake.addChannel(h.guild.id, { name: 'refusing-announcements', type: 5 }).id as string;
    h.fake.failNext({ method: 'POST', path: new RegExp(`^/channels/${news}/messages/\\d+/crosspost$`), status: 403, code: 50013 });
    const first = await deliver(news, 'announcement');
    expect(first.outcome.status).toBe('paused');
    expect((await subscriptions.getById(first.sub.id))?.paused?.reason).toMatch(/Manage Messages/);
    expect(h.fake.messages(h.guild.systemChannelId!).map(textOf).join('\n')).toContain(`<#${news}>`);
    // A moderator fixes it and subscribes again; the scheduler's retry of the same occurrence resumes.
    await subscriptions.subscribe({
      guildId: h.guild.id,
      channelId: news,
      target: 'announcement',
      time: first.sub.schedule.kind === 'daily' ? first.sub.schedule.time : '03:00',
      timezone: 'UTC',
      createdBy: h.moderator.id,
      emptyPolicy: 'notice',
    });
    const retry = await briefings.runDue(first.at, h.bot.transport);
    expect(retry.find((o) => o.subscriptionId === first.sub.id)?.status).toBe('resumed');
    const ids = h.fake.messages(news).map((m) => m.id);
    expect(headerCount(h.fake.messages(news))).toBe(1);
    expect(h.fake.crossposts.filter((c) => c.channelId === news).map((c) => c.messageId)).toEqual(ids);
    const record = await h.app.store.getClaim<DeliveryRecord>(deliveryKey(first.sub.id, first.at));
    expect(record?.crossposted).toEqual(ids);
  });

  it('posts into an existing thread', async () => {
    const parent = h.fake.addChannel(h.guild.id, { name: 'with-thread', botAllow: ['SendMessagesInThreads'] }).id as string;
    const thread = h.fake.addThread(parent, { name: 'daily-briefings' });
    const { outcome, record } = await deliver(thread.id, 'thread');
    expect(outcome.status).toBe('delivered');
    expect(h.fake.messages(thread.id).map((m) => m.id)).toEqual(record.sent);
    expect(h.fake.messages(parent)).toHaveLength(0);
    expect(h.fake.threadsOf(parent)).toHaveLength(1);
  });

  it('an archived thread, or a forum that requires a tag none matches, pauses and tells moderators naming the channel', async () => {
    const parent = h.fake.addChannel(h.guild.id, { name: 'archive-parent', botAllow: ['SendMessagesInThreads'] }).id as string;
    const archived = h.fake.addThread(parent, { name: 'old', archived: true });
    const first = await deliver(archived.id, 'thread');
    expect(first.outcome.status).toBe('paused');
    expect((await subscriptions.getById(first.sub.id))?.paused?.reason).toMatch(/archived/);

    const strict = h.fake.addChannel(h.guild.id, { name: 'strict-forum', type: 15, availableTags: ['Arctic'], requireTag: true, botAllow: [...THREAD_PERMS] })
      .id as string;
    const second = await deliver(strict, 'forum', { regions: ['Belarus'] });
    expect(second.outcome.status).toBe('paused');
    expect((await subscriptions.getById(second.sub.id))?.paused?.reason).toMatch(/requires a tag/);
    expect(h.fake.threadsOf(strict)).toHaveLength(0);
    const system = h.fake.messages(h.guild.systemChannelId!).map(textOf).join('\n');
    expect(system).toContain(`<#${archived.id}>`);
    expect(system).toContain(`<#${strict}>`);
  });

  it('the active-thread limit is retried later, not paused', async () => {
    const channel = h.fake.addChannel(h.guild.id, { name: 'busy', botAllow: [...THREAD_PERMS] }).id as string;
    h.fake.maxActiveThreads = 0;
    try {
      const { sub, outcome } = await deliver(channel, 'new-thread');
      expect(outcome).toMatchObject({ status: 'failed', failure: 'transient' });
      expect((await subscriptions.getById(sub.id))?.paused).toBeUndefined();
    } finally {
      h.fake.maxActiveThreads = undefined;
    }
  });
});

describe('/briefing subscribe checks each target’s permissions', () => {
  const subscribe = (channel: string, extra: Record<string, string | boolean> = {}) =>
    h
      .run({ name: 'briefing', subcommand: 'subscribe', userId: h.moderator.id, options: { channel: { channel }, time: '08:00', timezone: 'UTC', ...extra } })
      .reply();
  const stored = async (channelId: string): Promise<Subscription | undefined> =>
    (await h.app.subscriptions.list(h.guild.id)).find((s) => s.channelId === channelId);
  const ready = (id: string) => h.fake.waitFor(() => h.bot.client.channels.cache.has(id));

  it('offers text, announcement and forum channels and threads, and a thread option', () => {
    const sub = subscribeCommand.data as unknown as { options: any[] };
    expect(sub.options.find((o: { name: string }) => o.name === 'channel').channel_types.sort((a: number, b: number) => a - b)).toEqual([0, 5, 10, 11, 15]);
    expect(sub.options.find((o: { name: string }) => o.name === 'thread').type).toBe(5);
  });

  it('refuses, naming what is missing, and stores nothing', async () => {
    const cases: Array<[Record<string, any>, Record<string, string | boolean>, RegExp]> = [
      [{ name: 'no-threads' }, { thread: true }, /Create Public Threads.*Send Messages in Threads/],
      [{ name: 'forum-no-threads', type: 15, botAllow: ['SendMessagesInThreads'] }, {}, /missing Create Public Threads\./],
      [{ name: 'news-no-manage', type: 5 }, {}, /missing Manage Messages\./],
    ];
    for (const [init, extra, missing] of cases) {
      const channel = h.fake.addChannel(h.guild.id, init).id as string;
      await ready(channel);
      const reply = await subscribe(channel, extra);
      expect(reply.ephemeral).toBe(true);
      expect(reply.content).toMatch(missing);
      expect(await stored(channel)).toBeUndefined();
    }
    const parent = h.fake.addChannel(h.guild.id, { name: 'thread-parent' }).id as string;
    const thread = h.fake.addThread(parent, { name: 'no-send-in-threads' });
    const reply = await subscribe(thread.id);
    expect(reply.content).toMatch(/missing Send Messages in Threads\./);
    expect(await stored(thread.id)).toBeUndefined();
    expectSafePayloads(h.fake);
  });

  it('stores the target it found: thread per briefing, forum, announcement, thread', async () => {
    const text = h.fake.addChannel(h.guild.id, { name: 'text-threads', botAllow: [...THREAD_PERMS] }).id as string;
    const forum = h.fake.addChannel(h.guild.id, { name: 'forum-ok', type: 15, botAllow: [...THREAD_PERMS] }).id as string;
    const news = h.fake.addChannel(h.guild.id, { name: 'news-ok', type: 5, botAllow: ['ManageMessages'] }).id as string;
    const parent = h.fake.addChannel(h.guild.id, { name: 'parent-ok', botAllow: ['SendMessagesInThreads'] }).id as string;
    const thread = h.fake.addThread(parent, { name: 'ok-thread' }).id as string;
    for (const id of [text, forum, news, parent]) await ready(id);
    const expected: Array<[string, Record<string, boolean>, TargetKind]> = [
      [text, { thread: true }, 'new-thread'],
      [forum, {}, 'forum'],
      [news, {}, 'announcement'],
      [thread, {}, 'thread'],
    ];
    for (const [channel, extra, target] of expected) {
      const reply = await subscribe(channel, extra);
      expect(reply.embeds?.[0]?.title ?? reply.content).toMatch(/Briefing scheduled/);
      expect((await stored(channel))?.target).toBe(target);
    }
    const refused = await subscribe(forum, { thread: true, name: 'other' });
    expect(refused.content).toMatch(/thread: true is for text channels/);
    expect((await h.app.subscriptions.list(h.guild.id)).filter((s) => s.channelId === forum)).toHaveLength(1);
    expectSafePayloads(h.fake);
  });
});
