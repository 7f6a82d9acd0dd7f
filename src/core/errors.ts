/**
 * A problem the person can act on. Commands throw it; transports show its message (ephemeral in Discord)
 * and nothing is changed. Anything else thrown is an unexpected error: logged, answered with an error id.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly code: string = 'bad_input',
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** The message of anything thrown, for logs and error values. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The store did not take a write. A UserError so every transport shows it and nothing is confirmed. */
export class StoreWriteError extends UserError {
  constructor(message = "I couldn't save that: the bot's database is not writable; nothing was changed.", options?: { cause?: unknown }) {
    super(message, 'store_write_failed');
    this.name = 'StoreWriteError';
    if (options && 'cause' in options) this.cause = options.cause;
  }
}
