import type { KeyvStoreAdapter } from 'keyv';
import { errorMessage, StoreWriteError } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import type { StoreHealth } from './types.ts';

/**
 * Every write of the store goes through here: keyv reports a refused write by returning `false` (or by
 * an 'error' event), which callers never checked, so a full disk or a read-only file was confirmed to the
 * user as saved. A refused write becomes a StoreWriteError (a UserError the transports show), is counted
 * and logged, and turns health() unwritable until a write succeeds again.
 */
export class WriteChecker {
  private failures = 0;
  private failing: boolean;
  private lastError?: string;

  constructor(
    private readonly backend: { checkWritable(): void; readOnly: boolean; connectionProblem?(): string | undefined },
    private readonly logger?: Logger,
  ) {
    this.failing = backend.readOnly;
    if (backend.readOnly) this.lastError = 'the database was opened read-only';
  }

  async run<T>(what: string, write: () => Promise<T> | T): Promise<T> {
    let result: T;
    try {
      this.backend.checkWritable();
      result = await write();
    } catch (error) {
      throw this.refused(what, error);
    }
    this.failing = false;
    return result;
  }

  refused(what: string, error: unknown): StoreWriteError {
    const cause = error instanceof StoreWriteError && error.cause !== undefined ? error.cause : error;
    this.failures++;
    this.failing = true;
    this.lastError = `${what}: ${errorMessage(cause)}`;
    this.logger?.error({ err: cause, write: what, writeFailures: this.failures }, 'store refused a write');
    return error instanceof StoreWriteError ? error : new StoreWriteError(undefined, { cause: error });
  }

  /** Also runs the backend's cheap writability check, so /healthz notices a moved database file before any write does. */
  health(): StoreHealth {
    try {
      this.backend.checkWritable();
    } catch (error) {
      if (!this.failing) this.logger?.error({ err: error }, 'store cannot take writes');
      this.failing = true;
      this.lastError = `health check: ${errorMessage(error instanceof StoreWriteError && error.cause !== undefined ? error.cause : error)}`;
    }
    // A connection that is down makes the store unready at once, and ready again once it is back.
    const down = this.failing ? undefined : this.backend.connectionProblem?.();
    if (down) return { writable: false, lastWriteError: down, writeFailures: this.failures };
    return { writable: !this.failing, ...(this.lastError ? { lastWriteError: this.lastError } : {}), writeFailures: this.failures };
  }

  /** The adapter with every write method checked; reads and the rest pass through untouched. */
  adapter(inner: KeyvStoreAdapter, namespace: string): KeyvStoreAdapter {
    return new Proxy(inner, {
      get: (target, prop) => {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (typeof prop !== 'string' || !WRITES.has(prop)) return value.bind(target);
        return async (...args: unknown[]) => {
          const what = `${prop} ${namespace}`;
          const result: unknown = await this.run(what, () => value.apply(target, args));
          // An adapter may also answer a refused write with false (a delete's false only means "not there").
          if ((prop === 'set' && result === false) || (prop === 'setMany' && Array.isArray(result) && result.includes(false))) {
            throw this.refused(what, new Error('the store answered that it did not take the write'));
          }
          return result;
        };
      },
    });
  }
}

const WRITES = new Set(['set', 'setMany', 'delete', 'deleteMany', 'clear']);
