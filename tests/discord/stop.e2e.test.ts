/**
 * A clean stop of the real `sitrep start` process (issue 14): SIGTERM exits 0 within 10 s whether the
 * gateway is up, unreachable while reconnecting, or unreachable from the start; reconnects to a dead
 * gateway back off instead of hammering it twice a second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../support/discord/server.ts';

const CLI = resolve(import.meta.dirname, '../../src/cli.ts');

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface Running {
  child: ChildProcess;
  logs: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function startBot(fake: FakeDiscord, env: Record<string, string> = {}): Running {
  const dir = mkdtempSync(join(tmpdir(), 'sitrep-stop-'));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], {
    env: {
      ...process.env,
      DISCORD_TOKEN: fake.token,
      DISCORD_API_URL: fake.apiUrl,
      STORE_URL: `sqlite://${join(dir, 'sitrep.sqlite')}`,
      BRIEFS_DIR: join(dir, 'no-briefs'),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout!.on('data', (d) => (logs += d));
  child.stderr!.on('data', (d) => (logs += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolveExit) =>
    child.on('exit', (code, signal) => resolveExit({ code, signal, at: Date.now() })),
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return { child, logs: () => logs, exited };
}

async function fakeDiscord(): Promise<FakeDiscord> {
  const fake = await startFakeDiscord();
  fake.addGuild();
  cleanups.push(() => fake.close());
  return fake;
}

async function sigtermWithin(bot: Running): Promise<{ code: number | null; ms: number }> {
  const sent = Date.now();
  bot.child.kill('SIGTERM');
  const { code, at } = await bot.exited;
  return { code, ms: at - sent };
}

describe('sitrep start stops cleanly', () => {
  it('exits 0 within 10 s on SIGTERM with the gateway up', async () => {
    const fake = await fakeDiscord();
    const bot = startBot(fake);
    await fake.waitFor(() => fake.connectedShards === 1, 20_000);
    const { code, ms } = await sigtermWithin(bot);
    expect(code, bot.logs()).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(bot.logs()).toMatch(/"msg":"shutting down"/);
  }, 40_000);

  it('exits 0 within 10 s on SIGTERM while the gateway is unreachable, and backs off its reconnects', async () => {
    const fake = await fakeDiscord();
    const bot = startBot(fake);
    await fake.waitFor(() => fake.connectedShards === 1, 20_000);
    const downAt = Date.now();
    fake.gatewayDown = true;
    await new Promise((r) => setTimeout(r, 6_500));
    const attempts = fake.gatewayAttempts.filter((t) => t > downAt);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    // Without backoff @discordjs/ws retries every ~500 ms (12+ attempts in 6.5 s); with it the waits grow.
    expect(attempts.length, `attempts ${JSON.stringify(gaps)}`).toBeGreaterThanOrEqual(2);
    expect(attempts.length, `attempts ${JSON.stringify(gaps)}`).toBeLessThanOrEqual(6);
    if (gaps.length >= 2) expect(gaps[1]!).toBeGreaterThanOrEqual(1_300);
    expect(bot.logs()).toMatch(/gateway reconnect backing off/);
    const { code, ms } = await sigtermWithin(bot);
    expect(code, bot.logs().slice(-2000)).toBe(0);
    expect(ms).toBeLessThan(10_000);
  }, 60_000);

  it('exits 0 within 10 s on SIGTERM while the first connection cannot be made', async () => {
    const fake = await fakeDiscord();
    fake.gatewayDown = true;
    const bot = startBot(fake);
    await fake.waitFor(() => fake.gatewayAttempts.length >= 2, 20_000);
    const { code, ms } = await sigtermWithin(bot);
    expect(code, bot.logs().slice(-2000)).toBe(0);
    expect(ms).toBeLessThan(10_000);
  }, 40_000);
});
