/**
 * Exactly once across a kill -9 in the middle of a fan-out: the bot runs as a child process, the loopback
 * server records every message it receives, the test kills the child (SIGKILL) once K messages arrived,
 * restarts it, and checks that every channel got its whole briefing exactly once.
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
import { startRecorder, type Recorder } from './support/recorder.ts';

const CHILD = resolve(import.meta.dirname, 'support/bot-child.ts');
const OCCURRENCE = '2026-11-27T07:30:00.000Z';
const CHANNELS = 40;

const TOPICS = ['Belarus', 'Taiwan', 'Sahel', 'Arctic', 'Red Sea', 'Caucasus', 'Balkans', 'Baltic', 'Pacific', 'Andes', 'Kashmir', 'Horn of Africa', 'Levant', 'Korea'];

function reportText(topic: string, i: number): string {
  return [
    `China and Russia discussed ${topic} on ${i + 1} November, according to the Ministry of Defence of Belarus.`,
    `Li Shangfu, China's Minister of Defence, met Viktor Khrenin in Minsk to review joint exercises near ${topic}.`,
    `NATO officials said the talks signal closer military cooperation between Beijing and Moscow in ${topic}.`,
    `Analysts expect further visits and arms deals over the coming months.`,
  ].join(' ');
}

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function seed(dir: string, channelIds: string[], guildId: string): Promise<string> {
  const url = `sqlite://${join(dir, 'sitrep.sqlite')}`;
  const store = await createStore(url);
  const clock = new ManualClock(new Date('2026-11-26T12:00:00Z'));
  const library = new ReportLibrary({ store, logger: silentLogger, clock });
  await library.load();
  await library.upsertMany(
    TOPICS.map((topic, i) =>
      makeReport(`brief-${i}`, {
        title: `${topic}: China and Russia step up cooperation`,
        text: reportText(topic, i),
        ingestedAt: new Date(Date.parse('2026-11-26T13:00:00Z') + i * 600_000).toISOString(),
        publishedAt: new Date(Date.parse('2026-11-26T13:00:00Z') + i * 600_000).toISOString(),
      }),
    ),
  );
  const subscriptions = new SubscriptionService({ store, clock });
  for (const channelId of channelIds) {
    await subscriptions.subscribe({ guildId, channelId, time: '07:30', timezone: 'UTC', createdBy: 'mod', format: 'full' });
  }
  await store.close();
  return url;
}

function runChild(env: Record<string, string>): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
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

describe('exactly once across kill -9 and restart (child process, loopback server)', () => {
  it('every channel gets its briefing exactly once (HTTP transport with nonces)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sitrep-kill-'));
    mkdirSync(join(dir, 'briefs'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const recorder: Recorder = await startRecorder({ ratePerSecond: 50 });
    cleanups.push(() => recorder.close());
    const channelIds = Array.from({ length: CHANNELS }, (_, i) => `9000000000000${String(i).padStart(5, '0')}`);
    const storeUrl = await seed(dir, channelIds, '8000000000000000001');
    const env = {
      STORE_URL: storeUrl,
      BRIEFS_DIR: join(dir, 'briefs'),
      DISCORD_API_URL: recorder.apiUrl,
      DISCORD_TOKEN: 'test-token-'.padEnd(40, 'x'),
      SITREP_TEST_TRANSPORT: 'http',
    };

    // 1. Start the bot; kill -9 it once K messages have arrived. The 50/s limit makes the first second carry
    //    every channel's part 1 and some part 2s, so K = 55 lands in the middle of briefings.
    const KILL_AT = 55;
    const first = runChild({ ...env, SITREP_TEST_NOW: OCCURRENCE });
    recorder.onMessage((_m, count) => {
      if (count === KILL_AT) first.child.kill('SIGKILL');
    });
    const killed = await first.done;
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const beforeRestart = recorder.messages.length;
    expect(beforeRestart).toBeGreaterThanOrEqual(KILL_AT);
    const atKill = await createStore(storeUrl);
    const interrupted = (await atKill.listClaims<DeliveryRecord>('delivery:')).filter((c) => !c.value.done && c.value.sent.length > 0);
    await atKill.close();
    expect(interrupted.length).toBeGreaterThan(0); // some briefings were cut between their messages

    // 2. Restart two minutes later: resumes and completes the occurrence.
    const second = runChild({ ...env, SITREP_TEST_NOW: '2026-11-27T07:32:00.000Z' });
    const restarted = await second.done;
    expect(restarted.code, restarted.stderr).toBe(0);
    const summary = JSON.parse(restarted.stdout.trim().split('\n').at(-1)!);
    expect(summary.counts.failed ?? 0).toBe(0);

    // 3. Every channel: the whole briefing, each part once, one header.
    const store = await createStore(storeUrl);
    cleanups.push(() => store.close());
    const claims = await store.listClaims<DeliveryRecord>('delivery:');
    const records = claims.filter((c) => !c.key.includes('#takeover'));
    expect(records).toHaveLength(CHANNELS);
    const byChannel = recorder.byChannel();
    const parts = records[0]!.value.parts;
    expect(parts).toBeGreaterThanOrEqual(2); // a multi-message briefing, so a kill can fall between its parts
    expect(beforeRestart).toBeLessThan(CHANNELS * parts); // the kill really was mid-fan-out
    for (const { value: record } of records) {
      expect(record.done).toBe(true);
      const channelId = record.subscriptionId.split(':')[1]!;
      const received = byChannel.get(channelId) ?? [];
      expect(received.map((m) => m.id)).toEqual(record.sent);
      expect(received).toHaveLength(parts);
      const headers = received.flatMap((m) => (m.body.embeds as Array<{ title?: string }>)).filter((e) => e.title?.startsWith('Sitrep briefing'));
      expect(headers).toHaveLength(1);
    }
    expect(recorder.messages).toHaveLength(CHANNELS * parts);

    // 4. A third start sends nothing more.
    const third = await runChild({ ...env, SITREP_TEST_NOW: '2026-11-27T07:40:00.000Z' }).done;
    expect(third.code, third.stderr).toBe(0);
    expect(recorder.messages).toHaveLength(CHANNELS * parts);
    console.info(
      `kill -9 at ${beforeRestart} messages (${interrupted.length} briefings cut between parts); restart resumed ${JSON.stringify(summary.counts)}; repeats dropped by nonce: ${recorder.repeatedNonces}; 429s: ${recorder.rateLimited}`,
    );
  }, 60_000);
});
