import type { Logger } from '../logger.ts';
import { errorMessage } from '../core/errors.ts';
import { metrics } from './metrics.ts';

/** Every state must be stopped within this (issue 14): steps share it, whatever is left is cut off. */
export const STOP_DEADLINE_MS = 10_000;
/** What the steps may use of it; the rest is for flushing logs and exiting. */
const STEPS_BUDGET_MS = 8_000;

export interface ShutdownOptions {
  logger: Logger;
  /** Stops also when this aborts (tests drive a bot in-process this way). */
  signal?: AbortSignal;
  /** Listen for SIGTERM / SIGINT (default true). */
  signals?: boolean;
  /**
   * The real `sitrep start` exits the process once stopped (a library timer must not keep a stopped bot
   * alive) and on an uncaught exception; in-process tests leave this off.
   */
  exitProcess?: boolean;
  /** Overridable for tests. */
  exit?: (code: number) => void;
  budgetMs?: number;
}

export interface Shutdown {
  /** Registers a stop step; steps run in reverse order of registration (last started, first stopped). */
  add(name: string, step: () => Promise<void> | void): void;
  /** Resolves with the reason once a stop was asked for (signal, abort or request()). */
  readonly requested: Promise<string>;
  request(reason: string): void;
  /** Runs the steps within the budget; true when every step finished in time. Runs once. */
  run(): Promise<boolean>;
  /** Removes the process listeners (signals, uncaught exception, unhandled rejection). */
  dispose(): void;
}

/**
 * The project's one shutdown helper. SIGTERM/SIGINT ask for a stop; the caller stops accepting work and
 * calls run(), which stops every registered step newest first, each bounded by what is left of the budget,
 * so a step that hangs (a gateway that does not answer) cannot keep the process alive. A second signal exits
 * at once. An uncaught exception is logged and, in the real process, flushed and exited with 1: Node's docs
 * say a process is not safe to continue after one, and the delivery ledger makes the restart safe. A stray
 * promise rejection is logged and counted, and the bot keeps running.
 */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const steps: Array<{ name: string; step: () => Promise<void> | void }> = [];
  let resolveRequested!: (reason: string) => void;
  const requested = new Promise<string>((resolve) => (resolveRequested = resolve));
  let asked = false;
  let ran: Promise<boolean> | undefined;

  const flushAndExit = (code: number) => {
    try {
      logger.flush();
    } catch {
      // nothing left to do about a log that cannot be flushed
    }
    exit(code);
  };

  const request = (reason: string) => {
    if (asked) return;
    asked = true;
    logger.info({ reason }, 'shutting down');
    if (options.exitProcess) {
      // The last resort: whatever still runs at the deadline (a hung flush, a library's timer) is cut off.
      setTimeout(() => {
        logger.error({ deadlineMs: STOP_DEADLINE_MS }, 'did not stop in time: exiting');
        flushAndExit(1);
      }, STOP_DEADLINE_MS - 500).unref();
    }
    resolveRequested(reason);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (asked && options.exitProcess) {
      logger.warn({ signal }, 'second signal: exiting now');
      flushAndExit(1);
      return;
    }
    request(signal);
  };
  const onAbort = () => request('abort');
  const onException = (error: Error) => {
    logger.fatal({ err: error }, 'uncaught exception: exiting (the process is not safe to continue)');
    if (options.exitProcess) flushAndExit(1);
  };
  const onRejection = (reason: unknown) => {
    metrics.uncaught.inc();
    logger.error({ err: reason }, 'unhandled promise rejection');
  };

  if (options.signals !== false) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  if (options.signal?.aborted) request('abort');
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const dispose = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
    options.signal?.removeEventListener('abort', onAbort);
  };

  return {
    add(name, step) {
      steps.push({ name, step });
    },
    requested,
    request,
    dispose,
    run() {
      ran ??= (async () => {
        const deadline = Date.now() + (options.budgetMs ?? STEPS_BUDGET_MS);
        let allInTime = true;
        for (const { name, step } of [...steps].reverse()) {
          const left = deadline - Date.now();
          const outcome = await bounded(Promise.resolve().then(step), Math.max(0, left));
          if (outcome !== 'done') {
            allInTime = false;
            if (outcome === 'timeout') logger.warn({ step: name }, 'stop step did not finish in time; left behind');
            else logger.warn({ step: name, err: errorMessage(outcome.error) }, 'stop step failed');
          }
        }
        logger.info({ clean: allInTime }, 'stopped');
        return allInTime;
      })();
      return ran;
    },
  };
}

async function bounded(promise: Promise<unknown>, ms: number): Promise<'done' | 'timeout' | { error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(
        () => 'done' as const,
        (error: unknown) => ({ error }),
      ),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
