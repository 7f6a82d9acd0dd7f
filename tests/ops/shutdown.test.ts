import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createShutdown } from '../../src/ops/shutdown.ts';
import type { Logger } from '../../src/logger.ts';

function capture(): { logger: Logger; lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const logger: Logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('createShutdown', () => {
  it('runs steps newest first once a stop is requested, bounding a step that hangs by the budget', async () => {
    const { logger, lines } = capture();
    const controller = new AbortController();
    const shutdown = createShutdown({ logger, signal: controller.signal, signals: false, budgetMs: 300 });
    const order: string[] = [];
    shutdown.add('store', () => void order.push('store'));
    shutdown.add('gateway', () => new Promise<void>(() => order.push('gateway (hangs)')));
    shutdown.add('ops', async () => void order.push('ops'));
    controller.abort();
    expect(await shutdown.requested).toBe('abort');
    const t0 = Date.now();
    const clean = await shutdown.run();
    expect(clean).toBe(false);
    expect(order).toEqual(['ops', 'gateway (hangs)', 'store']);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(lines.some((l) => l.step === 'gateway' && /did not finish in time/.test(l.msg))).toBe(true);
    expect(await shutdown.run()).toBe(false); // once
    shutdown.dispose();
  });

  it('reports a clean stop, logs a failing step, and removes its process listeners on dispose', async () => {
    const { logger, lines } = capture();
    const before = {
      term: process.listenerCount('SIGTERM'),
      rej: process.listenerCount('unhandledRejection'),
      exc: process.listenerCount('uncaughtException'),
    };
    const shutdown = createShutdown({ logger });
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
    shutdown.add('fine', () => undefined);
    shutdown.request('test');
    expect(await shutdown.run()).toBe(true);
    const failing = createShutdown({ logger, signals: false });
    failing.add('broken', () => {
      throw new Error('disk gone');
    });
    failing.request('test');
    expect(await failing.run()).toBe(false);
    expect(lines.some((l) => l.step === 'broken' && l.err === 'disk gone')).toBe(true);
    shutdown.dispose();
    failing.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    expect(process.listenerCount('unhandledRejection')).toBe(before.rej);
    expect(process.listenerCount('uncaughtException')).toBe(before.exc);
  });

  it('an uncaught exception logs, flushes and exits the process with 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'support/crash-child.ts')], {
      env: { ...process.env, CRASH_MESSAGE: 'kaboom-7781' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    const fatal = stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l.level === 60);
    expect(fatal?.msg).toMatch(/uncaught exception/);
    expect(fatal?.err?.message).toBe('kaboom-7781');
  }, 20_000);
});
