import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter } from 'keyv';
import type { Pool, QueryResultRow } from 'pg';

/**
 * keyv 5 storage adapter on the store's own `pg` pool. Written here because @keyv/postgres keeps one
 * process-global pool that any instance's disconnect() ends, so closing one store broke every other
 * store on the same URL in the process (tests and tools open several). Same table and rows as
 * @keyv/postgres — `keyv(key VARCHAR(255) PRIMARY KEY, value TEXT)`, keys `namespace:key` — so existing
 * databases keep working. keyv handles TTL in the serialised value, as with @keyv/postgres.
 */
export class KeyvPg extends EventEmitter implements KeyvStoreAdapter {
  readonly ttlSupport = false;
  /** `dialect` makes keyv expose its iterator for this adapter. */
  readonly opts: { dialect: 'postgres'; url: string; table: string };
  namespace?: string;

  constructor(
    private readonly pool: Pool,
    url: string,
  ) {
    super();
    this.opts = { dialect: 'postgres', url, table: 'keyv' };
  }

  private async rows<R extends QueryResultRow>(sql: string, values: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(sql, values)).rows;
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    return (await this.rows<{ value: Value }>('SELECT value FROM keyv WHERE key = $1', [key]))[0]?.value;
  }

  async getMany<Value>(keys: string[]): Promise<Array<Value | undefined>> {
    const rows = await this.rows<{ key: string; value: Value }>('SELECT key, value FROM keyv WHERE key = ANY($1)', [keys]);
    const byKey = new Map(rows.map((r) => [r.key, r.value]));
    return keys.map((key) => byKey.get(key));
  }

  async set(key: string, value: string): Promise<boolean> {
    await this.pool.query('INSERT INTO keyv(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
    return true;
  }

  /** One statement (so one transaction) for the whole batch; a key given twice keeps its last value. */
  async setMany(entries: Array<{ key: string; value: string }>): Promise<void> {
    const last = new Map(entries.map((e) => [e.key, e.value]));
    await this.pool.query('INSERT INTO keyv(key, value) SELECT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [
      [...last.keys()],
      [...last.values()],
    ]);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.rows('DELETE FROM keyv WHERE key = $1 RETURNING key', [key])).length > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    return (await this.rows('DELETE FROM keyv WHERE key = ANY($1) RETURNING key', [keys])).length > 0;
  }

  async has(key: string): Promise<boolean> {
    return (await this.rows('SELECT 1 FROM keyv WHERE key = $1', [key])).length > 0;
  }

  async clear(): Promise<void> {
    if (this.namespace) await this.pool.query('DELETE FROM keyv WHERE starts_with(key, $1)', [`${this.namespace}:`]);
    else await this.pool.query('DELETE FROM keyv');
  }

  /** Rows of `namespace`, a page of 500 per query (keyset on the primary key, not OFFSET). */
  async *iterator<Value>(namespace?: string): AsyncGenerator<[string, Value], void> {
    const start = namespace ? `${namespace}:` : '';
    let after = '';
    for (;;) {
      const rows = await this.rows<{ key: string; value: Value }>('SELECT key, value FROM keyv WHERE starts_with(key, $1) AND key > $2 ORDER BY key LIMIT $3', [
        start,
        after,
        PAGE,
      ]);
      for (const row of rows) yield [row.key, row.value];
      if (rows.length < PAGE) return;
      after = rows.at(-1)!.key;
    }
  }

  /** The pool belongs to the store, which ends it. */
  async disconnect(): Promise<void> {}
}

const PAGE = 500;
