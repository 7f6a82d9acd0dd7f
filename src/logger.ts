import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured logs go to stderr so that stdout stays clean for `--json` output and the terminal mode. */
export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { app: 'sitrep' } }, pino.destination(2));
}
