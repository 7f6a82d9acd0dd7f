import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';

export type { Logger };

/** This process among a fleet's: host and pid, on every log line (with `role` and shards added by `sitrep start`). */
export function workerId(): string {
  return `${hostname()}:${process.pid}`;
}

/**
 * Structured logs go to stderr so that stdout stays clean for `--json` output and the terminal mode.
 * `bindings` (pino child bindings, e.g. `{ role: 'worker' }`) are added to every line.
 */
export function createLogger(level: string = 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { app: 'sitrep', workerId: workerId(), ...bindings } }, pino.destination(2));
}
