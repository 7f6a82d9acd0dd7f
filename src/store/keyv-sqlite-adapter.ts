import { EventEmitter } from 'node:events';
import type { Database, Statement } from 'better-sqlite3';
import type { KeyvStoreAdapter } from 'keyv';
import { prefixEnd } from './backend.ts';

/**
 * keyv 5 storage adapter on better-sqlite3, the project's own because the maintained keyv SQLite adapter
 * (@keyv/sqlite) runs on the deprecated `sqlite3` driver. The table is the one @keyv/sqlite made —
 * `keyv(key VARCHAR(255) PRIMARY KEY, value TEXT)`, keys `namespace:key`, values keyv's serialised JSON —
 * so files written by earlier versions keep working both ways. keyv handles TTL itself (the `expires`
 * field of the JSON), so the adapter stores what it is given; `ttlSupport` is false as in @keyv/sqlite.
 * Every namespace shares the store's one connection (better-sqlite3 is synchronous, so calls never interleave).
 */
export class KeyvBetterSqlite extends EventEmitter implements KeyvStoreAdapter {
  readonly ttlSupport = false;
  /** `dialect` makes keyv expose its iterator for this adapter. */
  readonly opts: { dialect: 'sqlite'; url: string; table: string };
  namespace?: string;
  private readonly sql: Statements;

  constructor(db: Database, url: string, table = 'keyv') {
    super();
    this.opts = { dialect: 'sqlite', url, table };
    this.sql = statements(db, table);
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    return (this.sql.get.get(key) as { value: Value } | undefined)?.value;
  }

  async getMany<Value>(keys: string[]): Promise<Array<Value | undefined>> {
    const rows = this.sql.getMany.all(JSON.stringify(keys)) as Array<{ key: string; value: Value }>;
    const byKey = new Map(rows.map((r) => [r.key, r.value]));
    return keys.map((key) => byKey.get(key));
  }

  async set(key: string, value: string): Promise<boolean> {
    this.sql.upsert.run(key, value);
    return true;
  }

  /** One transaction for the whole batch (keyv's fallback is one implicit transaction per row). */
  async setMany(entries: Array<{ key: string; value: string }>): Promise<void> {
    this.sql.upsertMany(entries);
  }

  async delete(key: string): Promise<boolean> {
    return this.sql.delete.run(key).changes > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    return this.sql.deleteMany.run(JSON.stringify(keys)).changes > 0;
  }

  async has(key: string): Promise<boolean> {
    return this.sql.has.get(key) !== undefined;
  }

  async clear(): Promise<void> {
    if (!this.namespace) this.sql.clearAll.run();
    else this.sql.clearRange.run(`${this.namespace}:`, prefixEnd(`${this.namespace}:`));
  }

  /** Rows of `namespace` in key order, a page of 500 per query (keyset, not OFFSET). */
  async *iterator<Value>(namespace?: string): AsyncGenerator<[string, Value], void> {
    for (const rows of this.pages(namespace ? `${namespace}:` : '', PAGE)) for (const row of rows) yield [row.key, row.value as Value];
  }

  /** Rows whose key starts with `prefix` (namespace included), in key order, `pageSize` per query. */
  *pages(prefix: string, pageSize: number): Generator<Array<{ key: string; value: string }>> {
    const high = prefixEnd(prefix);
    let rows = this.sql.pageFrom.all(prefix, high, pageSize) as Array<{ key: string; value: string }>;
    while (rows.length) {
      yield rows;
      if (rows.length < pageSize) return;
      rows = this.sql.pageAfter.all(rows.at(-1)!.key, high, pageSize) as Array<{ key: string; value: string }>;
    }
  }

  /** The connection belongs to the store, which closes it. */
  async disconnect(): Promise<void> {}
}

const PAGE = 500;

interface Statements {
  get: Statement;
  getMany: Statement;
  upsert: Statement;
  upsertMany: (entries: Array<{ key: string; value: string }>) => void;
  delete: Statement;
  deleteMany: Statement;
  has: Statement;
  clearAll: Statement;
  clearRange: Statement;
  pageFrom: Statement;
  pageAfter: Statement;
}

const cache = new WeakMap<Database, Map<string, Statements>>();

/** Statements prepared once per connection and table (every namespace adapter reuses them). */
function statements(db: Database, table: string): Statements {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new Error(`Invalid SQLite table name "${table}"`);
  let byTable = cache.get(db);
  if (!byTable) cache.set(db, (byTable = new Map()));
  const known = byTable.get(table);
  if (known) return known;
  db.exec(`CREATE TABLE IF NOT EXISTS ${table}(key VARCHAR(255) PRIMARY KEY, value TEXT )`);
  const upsert = db.prepare(`INSERT INTO ${table}(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
  const made: Statements = {
    get: db.prepare(`SELECT value FROM ${table} WHERE key = ?`),
    getMany: db.prepare(`SELECT key, value FROM ${table} WHERE key IN (SELECT value FROM json_each(?))`),
    upsert,
    upsertMany: db.transaction((entries: Array<{ key: string; value: string }>) => {
      for (const { key, value } of entries) upsert.run(key, value);
    }),
    delete: db.prepare(`DELETE FROM ${table} WHERE key = ?`),
    deleteMany: db.prepare(`DELETE FROM ${table} WHERE key IN (SELECT value FROM json_each(?))`),
    has: db.prepare(`SELECT 1 FROM ${table} WHERE key = ?`),
    clearAll: db.prepare(`DELETE FROM ${table}`),
    clearRange: db.prepare(`DELETE FROM ${table} WHERE key >= ? AND key < ?`),
    pageFrom: db.prepare(`SELECT key, value FROM ${table} WHERE key >= ? AND key < ? ORDER BY key LIMIT ?`),
    pageAfter: db.prepare(`SELECT key, value FROM ${table} WHERE key > ? AND key < ? ORDER BY key LIMIT ?`),
  };
  byTable.set(table, made);
  return made;
}
