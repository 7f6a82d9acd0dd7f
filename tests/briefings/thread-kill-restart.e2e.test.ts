/**
 * Exactly once for threaded briefings across a kill -9: the bot (a child process, discord.js transport)
 * posts a thread-per-briefing occurrence to many channels of the Discord-compatible server, is killed
 * mid-fan-out, and restarted. Every channel ends with its first message, one thread started on it, and the
 * rest of its briefing in that thread — each part once, no second thread.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import { ReportLibrary } from '../../src/reports/library.ts';
import { SubscriptionService } from '../../src/briefings/subscriptions.ts';
import type { DeliveryRecord } from '../../src/briefings/service.ts';
import { ManualClock, makeReport, silentLogger } from './support/harness.ts';
import { startFakeDiscord } from '../support/discord/server.ts';

const CHILD = resolve(import.meta.dirname, 'support/bot-child.ts');
const OCCURRENCE = '2026-11-27T07:30:00.000Z';
const CHANNELS = 12;
const REGIONS = ['Belarus', 'Taiwan', 'Sahel', 'Arctic', 'Red Sea', 'Caucasus', 'Balkans', 'Baltic', 'Pacific', 'Andes'];

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function runChild(env: Record<string, string>): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolveDone) =>
    child.on('exit', (code, signal) => resolveDone({ code, signal, stdout, stderr })),
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, done };
}

describe('threaded briefings: exactly once across kill -9 and restart', () => {
  it('every part once, in the same thread', async () => {
    const fake = await startFakeDiscord({ rateLimitPerSecond: 20 });
    cleanups.push(() => fake.close());
    const guild = fake.addGuild({ botPermissions: ['ViewChannel', 'SendMessages', 'EmbedLinks', 'CreatePublicThreads', 'SendMessagesInThreads'] });
    const channelIds = Array.from({ length: CHANNELS }, () => fake.addChannel(guild.id).id as string);
    const posted = () =>
      channelIds.reduce((sum, id) => sum + fake.messages(id).length + fake.threadsOf(id).reduce((n, t) => n + fake.messages(t.id).length, 0), 0);

    const dir = mkdtempSync(join(tmpdir(), 'sitrep-thread-kill-'));
    mkdirSync(join(dir, 'briefs'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const storeUrl = `sqlite://${join(dir, 'sitrep.sqlite')}`;
    const seedStore = await createStore(storeUrl);
    const clock = new ManualClock(new Date('2026-11-26T12:00:00Z'));
    const library = new ReportLibrary({ store: seedStore, logger: silentLogger, clock });
    await library.load();
    await library.upsertMany(
      REGIONS.map((region, i) =>
        makeReport(`thread-brief-${i}`, {
          title: `${region}: China and Russia step up cooperation`,
          text: `China and Russia discussed ${region} on ${i + 1} November. NATO officials said the talks signal closer military cooperation between Beijing and Moscow in ${region}. Analysts expect further visits.`,
          ingestedAt: new Date(Date.parse('2026-11-26T13:00:00Z') + i * 600_000).toISOString(),
          publishedAt: new Date(Date.parse('2026-11-26T13:00:00Z') + i * 600_000).toISOString(),
        }),
      ),
    );
    const subscriptions = new SubscriptionService({ store: seedStore, clock });
    for (const channelId of channelIds) {
      await subscriptions.subscribe({ guildId: guild.id, channelId, target: 'new-thread', time: '07:30', timezone: 'UTC', createdBy: 'mod', format: 'full' });
    }
    await seedStore.close();
    const env = {
      STORE_URL: storeUrl,
      BRIEFS_DIR: join(dir, 'briefs'),
      DISCORD_API_URL: fake.apiUrl,
      DISCORD_TOKEN: fake.token,
      SITREP_TEST_TRANSPORT: 'discord',
    };

    // 1. kill -9 once some messages arrived (the 20/s limit spreads the fan-out over seconds).
    const KILL_AT = 18;
    const first = runChild({ ...env, SITREP_TEST_NOW: OCCURRENCE });
    void fake
      .waitFor(() => posted() >= KILL_AT, 30_000)
      .then(
        () => first.child.kill('SIGKILL'),
        () => undefined,
      );
    const killed = await first.done;
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const atKill = await createStore(storeUrl);
    const unfinished = (await atKill.listClaims<DeliveryRecord>('delivery:')).filter((c) => !c.key.includes('#') && !c.value.done);
    const inThread = unfinished.filter((c) => c.value.thread);
    await atKill.close();
    expect(unfinished.length).toBeGreaterThan(0);

    // 2. Restart: resumes every unfinished briefing.
    const restarted = await runChild({ ...env, SITREP_TEST_NOW: '2026-11-27T07:32:00.000Z' }).done;
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(JSON.parse(restarted.stdout.trim().split('\n').at(-1)!).counts.failed ?? 0).toBe(0);

    // 3. Each channel: one message, one thread on it, the rest of the briefing in that thread, once.
    const store = await createStore(storeUrl);
    cleanups.push(() => store.close());
    const records = (await store.listClaims<DeliveryRecord>('delivery:')).filter((c) => !c.key.includes('#'));
    expect(records).toHaveLength(CHANNELS);
    const parts = records[0]!.value.parts;
    expect(parts).toBeGreaterThanOrEqual(2);
    for (const { value: record } of records) {
      const channelId = record.subscriptionId.split(':')[1]!;
      expect(record.done).toBe(true);
      const inChannel = fake.messages(channelId);
      expect(inChannel).toHaveLength(1);
      const threads = fake.threadsOf(channelId);
      expect(threads).toHaveLength(1);
      expect(threads[0]!.id).toBe(inChannel[0]!.id);
      expect(record.thread?.id).toBe(threads[0]!.id);
      const inThreadMessages = fake.messages(threads[0]!.id);
      expect([inChannel[0]!.id, ...inThreadMessages.map((m) => m.id)]).toEqual(record.sent);
      const titles = [...inChannel, ...inThreadMessages].flatMap((m) => (m.embeds ?? []).map((e: { title?: string }) => e.title ?? ''));
      expect(titles.filter((t) => t.startsWith('Sitrep briefing'))).toHaveLength(1);
    }
    expect(posted()).toBe(CHANNELS * parts);
    for (const payload of fake.allPayloads()) expect(payload.allowed_mentions).toEqual({ parse: [] });

    // 4. A third start posts and opens nothing more.
    const third = await runChild({ ...env, SITREP_TEST_NOW: '2026-11-27T07:40:00.000Z' }).done;
    expect(third.code, third.stderr).toBe(0);
    expect(posted()).toBe(CHANNELS * parts);
    expect(channelIds.flatMap((id) => fake.threadsOf(id))).toHaveLength(CHANNELS);
    console.info(`kill -9 at ${KILL_AT}+ messages: ${unfinished.length} briefings unfinished, ${inThread.length} of them with their thread open`);
  }, 90_000);
});
