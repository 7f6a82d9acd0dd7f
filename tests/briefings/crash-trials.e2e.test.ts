/**
 * kill -9 at random points, with real processes: the bot runs as a child process against the loopback
 * recorder, which honours `nonce` + `enforce_nonce` as Discord does. Each part is recorded as "sending" with
 * its nonce before its request, so a restart re-sends at most the part in flight, under the same nonce, and
 * the recorder answers it with the message it already created: every part is visible exactly once.
 *
 * SITREP_CRASH_TRIALS overrides the number of fan-out trials (default 10).
 */
import { spawn } from 'node:child_process';
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
const GUILD = '8100000000000000001';
const TRIALS = Number(process.env.SITREP_CRASH_TRIALS ?? 10);
const TOKEN = 'test-token-'.padEnd(40, 'x');
const TOPICS = [
  'Belarus',
  'Taiwan',
  'Sahel',
  'Arctic',
  'Red Sea',
  'Caucasus',
  'Balkans',
  'Baltic',
  'Pacific',
  'Andes',
  'Kashmir',
  'Horn of Africa',
  'Levant',
  'Korea',
];

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Deterministic pseudo-random kill points (mulberry32), so a failing trial can be replayed from its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function seed(channelIds: string[]): Promise<{ dir: string; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sitrep-crash-'));
  mkdirSync(join(dir, 'briefs'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const url = `sqlite://${join(dir, 'sitrep.sqlite')}`;
  const store = await createStore(url);
  const clock = new ManualClock(new Date('2026-11-26T12:00:00Z'));
  const library = new ReportLibrary({ store, logger: silentLogger, clock });
  await library.load();
  await library.upsertMany(
    TOPICS.map((topic, i) => {
      const at = new Date(Date.parse('2026-11-26T13:00:00Z') + i * 600_000).toISOString();
      return makeReport(`brief-${i}`, {
        title: `${topic}: China and Russia step up cooperation`,
        text: `China and Russia discussed ${topic}, according to officials. NATO officials said the talks signal closer cooperation in ${topic}. Analysts expect further visits.`,
        ingestedAt: at,
        publishedAt: at,
      });
    }),
  );
  const subscriptions = new SubscriptionService({ store, clock });
  for (const channelId of channelIds)
    await subscriptions.subscribe({ guildId: GUILD, channelId, time: '07:30', timezone: 'UTC', createdBy: 'mod', format: 'full' });
  await store.close();
  return { dir, url };
}

function runChild(env: Record<string, string>, killWhen?: (recorderCount: () => void) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  killWhen?.(() => child.kill('SIGKILL'));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal, stdout, stderr })),
  );
}

function baseEnv(url: string, dir: string, recorder: Recorder): Record<string, string> {
  return { STORE_URL: url, BRIEFS_DIR: join(dir, 'briefs'), DISCORD_API_URL: recorder.apiUrl, DISCORD_TOKEN: TOKEN, SITREP_TEST_TRANSPORT: 'http' };
}

/** Each channel received exactly its recorded parts, once each, with one header; returns the part count. */
async function expectEveryPartOnce(url: string, recorder: Recorder, channelIds: string[], prefix = 'delivery:'): Promise<number> {
  const store = await createStore(url);
  try {
    const records = (await store.listClaims<DeliveryRecord>(prefix)).map((c) => c.value);
    expect(records).toHaveLength(channelIds.length);
    const byChannel = recorder.byChannel();
    const parts = records[0]!.parts;
    expect(parts).toBeGreaterThanOrEqual(2);
    for (const record of records) {
      expect(record.done).toBe(true);
      expect(record.parts).toBe(parts);
      const received = byChannel.get(record.subscriptionId.split(':')[1]!) ?? [];
      expect(received.map((m) => m.id)).toEqual(record.sent);
      const titles = received.flatMap((m) => (m.body.embeds as Array<{ title?: string }>).map((e) => e.title ?? ''));
      expect(titles.filter((t) => t.startsWith('Sitrep briefing'))).toHaveLength(1);
      expect(new Set(titles).size).toBe(titles.length); // no card twice
    }
    expect(recorder.messages).toHaveLength(channelIds.length * parts);
    return parts;
  } finally {
    await store.close();
  }
}

describe('no visible duplicate after kill -9 (nonce-honouring recorder, real processes)', () => {
  it(`kill -9 at random points of a 200-channel fan-out, ${TRIALS} trials: every part visible exactly once`, async () => {
    const channelIds = Array.from({ length: 200 }, (_, i) => `9100000000000${String(i).padStart(5, '0')}`);
    const next = random(20261127);
    const notes: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const recorder = await startRecorder();
      const { dir, url } = await seed(channelIds);
      const env = baseEnv(url, dir, recorder);
      // Parts per briefing are 2–3 here: kill anywhere from the first message to near the end of the fan-out.
      const killAt = 1 + Math.floor(next() * (channelIds.length * 2 - 1));
      const killed = await runChild({ ...env, SITREP_TEST_NOW: '2026-11-27T07:30:00.000Z' }, (kill) =>
        recorder.onMessage((_m, count) => count === killAt && kill()),
      );
      const atKill = recorder.messages.length;
      const restarted = await runChild({ ...env, SITREP_TEST_NOW: '2026-11-27T07:32:00.000Z' });
      expect(restarted.code, restarted.stderr).toBe(0);
      const parts = await expectEveryPartOnce(url, recorder, channelIds);
      notes.push(
        `trial ${trial + 1}: kill -9 at message ${killAt} (${killed.signal ?? `exit ${killed.code}`}, ${atKill} received by then), ${recorder.repeatedNonces} repeats answered by nonce, ${channelIds.length * parts} parts each once`,
      );
      await recorder.close();
    }
    console.info(notes.join('\n'));
  }, 600_000);

  it('kill -9 during /briefing send-now, then send-now again: the interrupted one is finished, nothing twice', async () => {
    for (const killAt of [1, 2]) {
      const recorder = await startRecorder();
      const channel = `92000000000000000${killAt}`;
      const { dir, url } = await seed([channel]);
      const env = { ...baseEnv(url, dir, recorder), SITREP_TEST_SEND_NOW: `${GUILD}:${channel}` };
      const killed = await runChild({ ...env, SITREP_TEST_NOW: '2026-11-27T10:00:00.000Z' }, (kill) =>
        recorder.onMessage((_m, count) => count === killAt && kill()),
      );
      expect(killed.signal).toBe('SIGKILL');
      const before = recorder.messages.length;
      expect(before).toBeGreaterThanOrEqual(killAt);

      const again = await runChild({ ...env, SITREP_TEST_NOW: '2026-11-27T10:02:00.000Z' });
      expect(again.code, again.stderr).toBe(0);
      const result = JSON.parse(again.stdout.trim().split('\n').at(-1)!);
      expect(['resumed', 'already_delivered']).toContain(result.status);
      await expectEveryPartOnce(url, recorder, [channel], `delivery:${GUILD}:${channel}:manual:`);

      // A third send-now: nothing new since the finished one, and the policy is skip: nothing posted.
      const total = recorder.messages.length;
      const third = await runChild({ ...env, SITREP_TEST_NOW: '2026-11-27T10:05:00.000Z' });
      expect(third.code, third.stderr).toBe(0);
      expect(JSON.parse(third.stdout.trim().split('\n').at(-1)!)).toEqual({ messageIds: [], posted: false, status: 'skipped_empty' });
      expect(recorder.messages).toHaveLength(total);
      await recorder.close();
    }
  }, 300_000);
});
