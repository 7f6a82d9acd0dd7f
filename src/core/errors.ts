/**
 * A problem the person can act on. Commands throw it; transports show its message (ephemeral in Discord)
 * and nothing is changed. Anything else thrown is an unexpected error: logged, answered with an error id.
 */
export class UserError extends Error {
  constructor(message: string, readonly code: string = 'bad_input') {
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
