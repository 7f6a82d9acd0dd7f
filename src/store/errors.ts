import { errorMessage, StoreWriteError, UserError } from '../core/errors.ts';

export { StoreWriteError };

/**
 * The store could not be opened; the message names the file and what the operator can do. Stops the start.
 * A UserError so the CLI prints the message itself rather than "unexpected error" and a stack.
 */
export class StoreOpenError extends UserError {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(
      `The SQLite store ${path} cannot be used: ${errorMessage(cause)}. ` +
        `Restore it from a backup, or move it aside (e.g. mv "${path}" "${path}.damaged") to start with an empty store.`,
      'store_open_failed',
    );
    this.name = 'StoreOpenError';
    this.cause = cause;
  }
}

/** A write refused because the database file the store opened is no longer at its path. */
export function fileMovedError(path: string): StoreWriteError {
  return new StoreWriteError(
    "I couldn't save that: the bot's database file was moved or deleted while the bot was running; nothing was changed. " +
      'Restart the bot once the file is back (or to start a new one).',
    { cause: new Error(`${path} was moved or deleted since it was opened`) },
  );
}
