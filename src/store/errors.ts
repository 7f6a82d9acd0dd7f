import { errorMessage, StoreWriteError, UserError } from '../core/errors.ts';

export { StoreWriteError };

/**
 * The store could not be opened; the message names the file or URL (never its password) and what the
 * operator can do. Stops the start. A UserError so the CLI prints the message itself rather than
 * "unexpected error" and a stack.
 */
export class StoreOpenError extends UserError {
  constructor(
    /** The SQLite file, or the Redis/PostgreSQL URL without its password. */
    readonly path: string,
    cause: unknown,
    message?: string,
  ) {
    super(
      message ??
        `The SQLite store ${path} cannot be used: ${errorMessage(cause)}. ` +
          `Restore it from a backup, or move it aside (e.g. mv "${path}" "${path}.damaged") to start with an empty store.`,
      'store_open_failed',
    );
    this.name = 'StoreOpenError';
    this.cause = cause;
  }
}

/** SQLite could not open or set up the file: permission problems get their own advice (no backup needed). */
export function sqliteOpenError(path: string, cause: unknown): StoreOpenError {
  const code = String((cause as { code?: string } | undefined)?.code ?? '');
  if (/^(SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_PERM|EACCES|EPERM|EROFS)/.test(code)) {
    const user = typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
    return new StoreOpenError(
      path,
      cause,
      `The SQLite store ${path} cannot be used: ${errorMessage(cause)}. The bot's user${user} must be able to write the file, ` +
        `its -wal and -shm files and their directory: fix the owner or permissions (chown/chmod), or point STORE_URL at a writable place.`,
    );
  }
  return new StoreOpenError(path, cause);
}

/** A URL as it may be shown and logged: the password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

function where(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host || 'localhost';
  } catch {
    return 'the host in STORE_URL';
  }
}

/** Redis refused or could not be reached at start. */
export function redisOpenError(url: string, cause: unknown): StoreOpenError {
  const shown = redactUrl(url);
  const reason = errorMessage(cause);
  const check = /WRONGPASS|NOAUTH|invalid username-password|AUTH/i.test(reason)
    ? "Check the user name and password in STORE_URL (redis://USER:PASSWORD@HOST:PORT) against the server's ACL or requirepass."
    : /DB index|invalid DB/i.test(reason)
      ? 'Check the database number at the end of STORE_URL (redis://HOST:PORT/N): the server has fewer databases.'
      : `Check that Redis is running and reachable at ${where(url)} from this machine (firewall, TLS: rediss://) and that STORE_URL is right.`;
  return new StoreOpenError(shown, cause, `The Redis store ${shown} cannot be opened: ${reason}. ${check}`);
}

/** PostgreSQL refused or could not be reached at start (SQLSTATE in `cause.code` when the server answered). */
export function postgresOpenError(url: string, cause: unknown): StoreOpenError {
  const shown = redactUrl(url);
  const code = (cause as { code?: string } | undefined)?.code;
  let database = '';
  try {
    database = decodeURIComponent(new URL(url).pathname.slice(1));
  } catch {
    // keep the generic advice
  }
  const check =
    code === '3D000'
      ? `The database does not exist: create it (createdb ${database || 'NAME'}, or CREATE DATABASE) or fix its name in STORE_URL.`
      : code === '28P01' || code === '28000'
        ? "Check the user name and password in STORE_URL (postgres://USER:PASSWORD@HOST:PORT/DB) and the server's pg_hba.conf."
        : code === '42501'
          ? "The user may not create the store's tables: grant it CREATE on the schema, or create the tables once as their owner."
          : code === '25006'
            ? "The database is read-only and does not have the store's tables yet: open it once writable (not a standby) so they are created."
            : `Check that PostgreSQL is running and reachable at ${where(url)} from this machine and that STORE_URL is right.`;
  return new StoreOpenError(shown, cause, `The PostgreSQL store ${shown} cannot be opened: ${errorMessage(cause)}. ${check}`);
}

/** A write refused because the database file the store opened is no longer at its path. */
export function fileMovedError(path: string): StoreWriteError {
  return new StoreWriteError(
    "I couldn't save that: the bot's database file was moved or deleted while the bot was running; nothing was changed. " +
      'Restart the bot once the file is back (or to start a new one).',
    { cause: new Error(`${path} was moved or deleted since it was opened`) },
  );
}
