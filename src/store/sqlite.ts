import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Backend, RawRow } from './backend.ts';
import { prefixEnd } from './backend.ts';
import { sqliteOpenError } from './errors.ts';
import { KeyvBetterSqlite } from './keyv-sqlite-adapter.ts';
import { SqliteFileGuard } from './sqlite-file-guard.ts';
import { sqliteChangeLog } from './sqlite-changes.ts';

const KEYV_TABLE = 'keyv';

/**
 * The embedded default: one better-sqlite3 connection per store for the keyv table, claims and the change
 * log. WAL with synchronous=NORMAL keeps every commit durable against a process kill (-9) while making
 * small writes fast; the busy timeout lets several processes (bot + CLI) share the file.
 */
export function sqliteBackend(url: string, now: () => number, pragmas: Record<string, string | number> = {}): Backend {
  const path = url.slice('sqlite://'.length);
  const db = openChecked(path);
  let setup: ReturnType<typeof prepare>;
  try {
    setup = prepare(db, url, path, pragmas, now);
  } catch (error) {
    db.close();
    throw sqliteOpenError(path, error); // e.g. a read-only file that still lacks the store's tables
  }
  const { adapter, claims, changes } = setup;
  const guard = new SqliteFileGuard(path);
  const keyv = adapter('');

  return {
    adapter,
    useKeyPrefix: true,
    readOnly: db.readonly || Number(db.pragma('query_only', { simple: true })) === 1,
    checkWritable: () => guard.check(),
    async *scan(namespace, prefix, pageSize): AsyncGenerator<RawRow[]> {
      for (const rows of keyv.pages(`${namespace}:${prefix}`, pageSize)) yield rows.map((r) => ({ key: r.key.slice(namespace.length + 1), raw: r.value }));
    },
    async claim(key, json) {
      return claims.insert.run(key, json, now()).changes === 1;
    },
    async claimMany(entries) {
      return claims.insertMany(entries, now());
    },
    async readClaim(key) {
      const row = claims.read.get(key) as { value: string; generation: number } | undefined;
      return row && { json: row.value, generation: Number(row.generation) };
    },
    async updateClaim(key, json) {
      claims.update.run(json, key);
    },
    async updateClaimIf(key, generation, json) {
      return claims.updateIf.run(json, key, generation).changes === 1;
    },
    async listClaims(prefix) {
      return claims.list.all(prefix, prefixEnd(prefix)) as Array<{ key: string; value: string }>;
    },
    async pruneClaims(prefix, olderThanMs) {
      return claims.prune.run(prefix, prefixEnd(prefix), olderThanMs).changes;
    },
    changes: changes.log,
    async close() {
      changes.close();
      if (db.open) db.close();
    },
  };
}

/** The store's tables and statements, then the caller's PRAGMAs (last, so `query_only` cannot stop the setup). */
function prepare(db: Database.Database, url: string, path: string, pragmas: Record<string, string | number>, now: () => number) {
  const adapters = new Map<string, KeyvBetterSqlite>();
  const adapter = (namespace: string) => {
    let made = adapters.get(namespace);
    if (!made) adapters.set(namespace, (made = new KeyvBetterSqlite(db, url, KEYV_TABLE)));
    return made;
  };
  adapter(''); // creates the keyv table
  const claims = claimStatements(db);
  const changes = sqliteChangeLog(db, path, now);
  for (const [name, value] of Object.entries(pragmas)) {
    if (!/^[a-z_]+$/.test(name) || !/^[\w.-]+$/.test(String(value))) throw new Error(`invalid PRAGMA ${name}=${value}`);
    db.pragma(`${name} = ${value}`);
  }
  return { adapter, claims, changes };
}

/** Opens the file and proves it is a healthy SQLite database before the bot relies on it. */
function openChecked(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    // A file the bot's user may not write opens read-only: reads work, every write is refused and
    // health() is unwritable from the start (SQLite would otherwise fail at the first PRAGMA that writes).
    const readonly = path !== ':memory:' && existsSync(path) && !writableFile(path);
    db = new Database(path, { timeout: 10_000, readonly, fileMustExist: readonly });
    // journal_mode is a property of the file: setting it once covers every connection and process.
    if (!db.readonly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`the integrity check found damage (${String(check).slice(0, 200)})`);
    return db;
  } catch (error) {
    db?.close();
    throw sqliteOpenError(path, error);
  }
}

function writableFile(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function claimStatements(db: Database.Database) {
  db.exec(
    'CREATE TABLE IF NOT EXISTS claims(key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at INTEGER NOT NULL DEFAULT 0, generation INTEGER NOT NULL DEFAULT 1)',
  );
  // Tables made by earlier versions lack the later columns (SQLite has no ADD COLUMN IF NOT EXISTS).
  const columns = new Set((db.pragma('table_info(claims)') as Array<{ name: string }>).map((c) => c.name));
  if (!columns.has('created_at')) db.exec('ALTER TABLE claims ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0');
  if (!columns.has('generation')) db.exec('ALTER TABLE claims ADD COLUMN generation INTEGER NOT NULL DEFAULT 1');
  const insert = db.prepare('INSERT INTO claims(key, value, created_at, generation) VALUES(?, ?, ?, 1) ON CONFLICT(key) DO NOTHING');
  return {
    insert,
    insertMany: db.transaction((entries: Array<{ key: string; json: string }>, at: number) =>
      entries.map(({ key, json }) => insert.run(key, json, at).changes === 1),
    ),
    read: db.prepare('SELECT value, generation FROM claims WHERE key = ?'),
    update: db.prepare('UPDATE claims SET value = ?, generation = generation + 1 WHERE key = ?'),
    updateIf: db.prepare('UPDATE claims SET value = ?, generation = generation + 1 WHERE key = ? AND generation = ?'),
    list: db.prepare('SELECT key, value FROM claims WHERE key >= ? AND key < ? ORDER BY key'),
    prune: db.prepare('DELETE FROM claims WHERE key >= ? AND key < ? AND created_at < ?'),
  };
}
