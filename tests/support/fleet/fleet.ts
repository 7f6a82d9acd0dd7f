/**
 * The fleet tests' harness: a Redis server of the test's own (a fresh keyspace per test, and one that can
 * be restarted), `sitrep` CLI processes with a shared clock offset (clock-shift.mjs), and the seed data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../../../src/cli.ts');
const CLOCK_SHIFT = resolve(import.meta.dirname, 'clock-shift.mjs');

export type Cleanup = () => Promise<void> | void;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export function tempDir(cleanups: Cleanup[], prefix = 'sitrep-fleet-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

export interface RedisServer {
  url: string;
  port: number;
  /** SIGTERM (AOF flushed) then the same server again on the same port and directory. */
  restart(opts?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of the test's own on a free loopback port (never the shared one). */
export async function startRedis(cleanups: Cleanup[], opts: { appendonly?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = tempDir(cleanups, 'sitrep-redis-');
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    opts.appendonly ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--maxmemory-policy',
    'noeviction',
  ];
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    const { createClient } = await import('@keyv/redis');
    await until(
      async () => {
        const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
        client.on('error', () => undefined);
        try {
          await client.connect();
          // With AOF on, LOADING answers until the file is replayed.
          const pong = await client.ping();
          await client.close();
          return pong === 'PONG';
        } catch {
          return false;
        }
      },
      15_000,
      'redis-server to answer',
    );
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((r) => running.once('exit', () => r()));
    running.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
  };
  await launch();
  cleanups.push(stop);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart({ downMs = 1_000 } = {}) {
      await stop();
      await sleep(downMs);
      await launch();
    },
    stop,
  };
}

export interface SitrepProcess {
  name: string;
  child: ChildProcess;
  logs(): Array<Record<string, any>>;
  text(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the process logged that it is running. */
  running(timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `sitrep <args>` as a real child process, its clock shifted by `offsetMs` (the same for the whole fleet). */
export function startSitrep(cleanups: Cleanup[], name: string, args: string[], env: Record<string, string>, offsetMs = 0): SitrepProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', CLOCK_SHIFT, CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', SITREP_TEST_CLOCK_OFFSET_MS: String(offsetMs), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (alive()) child.kill(signal);
    const done = await Promise.race([exited, sleep(12_000).then(() => undefined)]);
    if (!done && alive()) child.kill('SIGKILL');
    return exited;
  };
  cleanups.push(() => kill('SIGTERM').then(() => undefined));
  const logs = () =>
    text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, any>];
        } catch {
          return [];
        }
      });
  return {
    name,
    child,
    logs,
    text: () => text,
    exited,
    kill,
    async running(timeoutMs = 60_000) {
      await until(
        () => {
          if (!alive()) throw new Error(`${name} exited early:\n${text.slice(-4000)}`);
          return logs().some((l) => l.msg === 'running; stop with Ctrl-C or SIGTERM');
        },
        timeoutMs,
        `${name} to run`,
      );
    },
  };
}

/** The clock offset that puts "now" `leadMs` before a minute boundary, and that boundary (shifted time). */
export function minuteAhead(leadMs: number): { offsetMs: number; due: Date } {
  const real = Date.now();
  const due = Math.ceil((real + 60_000) / 60_000) * 60_000;
  return { offsetMs: due - leadMs - real, due: new Date(due) };
}

/** A clock for the test process in the fleet's shifted time. */
export function shiftedClock(offsetMs: number): { now(): Date } {
  return { now: () => new Date(Date.now() + offsetMs) };
}

/** HH:MM of an instant in a timezone. */
export function localTime(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}
