import pg, { type Client, type Pool, type QueryResultRow } from 'pg';
import type { Backend, RawRow } from './backend.ts';
import { KeyvPg } from './keyv-postgres-adapter.ts';
import type { ChangeEntry, ChangeLog } from './types.ts';

/** Any fixed number: serialises schema setup and change appends across every process on the database. */
const SCHEMA_LOCK = 7_361_000_001;
const APPEND_LOCK = 7_361_000_002;
const CHANNEL = 'sitrep_changes';

/**
 * PostgreSQL, on one `pg` pool per store: keyv namespaces (table `keyv`, see keyv-postgres-adapter.ts),
 * claims (compare-and-set on a generation), the change log (BIGSERIAL + LISTEN/NOTIFY) and scans.
 */
export async function postgresBackend(url: string, now: () => number): Promise<Backend> {
  const pool = new pg.Pool({ connectionString: url });
  pool.on('error', () => undefined);
  await inTransaction(pool, async (q) => {
    // Concurrent CREATE TABLE IF NOT EXISTS can still collide on the catalog; the lock makes it one at a time.
    await q('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await q('CREATE TABLE IF NOT EXISTS keyv(key VARCHAR(255) PRIMARY KEY, value TEXT)');
    await q('CREATE TABLE IF NOT EXISTS sitrep_claims(key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at BIGINT NOT NULL DEFAULT 0)');
    await q('ALTER TABLE sitrep_claims ADD COLUMN IF NOT EXISTS created_at BIGINT NOT NULL DEFAULT 0');
    await q('ALTER TABLE sitrep_claims ADD COLUMN IF NOT EXISTS generation BIGINT NOT NULL DEFAULT 1');
    await q('CREATE TABLE IF NOT EXISTS sitrep_changes(seq BIGSERIAL PRIMARY KEY, namespace TEXT NOT NULL, key TEXT NOT NULL)');
  });
  const query = async <R extends QueryResultRow = Record<string, unknown>>(sql: string, values: unknown[] = []) => (await pool.query<R>(sql, values)).rows;
  const watch = notifyWatch(url);

  const changes: ChangeLog = {
    async append(namespace, key) {
      // The lock is held until commit, so numbers become visible in order: a reader that sees seq N has
      // every lower seq too (a plain BIGSERIAL lets N+1 commit before N, and a cursor would skip N).
      return inTransaction(pool, async (q) => {
        await q('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
        const [row] = await q<{ seq: string }>('INSERT INTO sitrep_changes(namespace, key) VALUES($1, $2) RETURNING seq', [namespace, key]);
        await q(`NOTIFY ${CHANNEL}`);
        return Number(row!.seq);
      });
    },
    async since(after, limit = 1000) {
      const rows = await query<{ seq: string; namespace: string; key: string }>(
        'SELECT seq, namespace, key FROM sitrep_changes WHERE seq > $1 ORDER BY seq LIMIT $2',
        [after, limit],
      );
      return rows.map((r): ChangeEntry => ({ seq: Number(r.seq), namespace: r.namespace, key: r.key }));
    },
    async head() {
      const [row] = await query<{ head: string | null }>('SELECT MAX(seq) AS head FROM sitrep_changes');
      return Number(row?.head ?? 0);
    },
    watch: watch.watch,
  };

  return {
    adapter: () => new KeyvPg(pool, url),
    useKeyPrefix: true,
    readOnly: false,
    checkWritable: () => undefined,
    async *scan(namespace, prefix, pageSize): AsyncGenerator<RawRow[]> {
      const start = `${namespace}:${prefix}`;
      let after = '';
      for (;;) {
        const rows = await query<{ key: string; value: string }>('SELECT key, value FROM keyv WHERE starts_with(key, $1) AND key > $2 ORDER BY key LIMIT $3', [
          start,
          after,
          pageSize,
        ]);
        if (rows.length) yield rows.map((r) => ({ key: r.key.slice(namespace.length + 1), raw: r.value }));
        if (rows.length < pageSize) return;
        after = rows.at(-1)!.key;
      }
    },
    async claim(key, json) {
      const rows = await query(
        'INSERT INTO sitrep_claims(key, value, created_at, generation) VALUES($1, $2, $3, 1) ON CONFLICT(key) DO NOTHING RETURNING key',
        [key, json, now()],
      );
      return rows.length === 1;
    },
    async readClaim(key) {
      const [row] = await query<{ value: string; generation: string }>('SELECT value, generation FROM sitrep_claims WHERE key = $1', [key]);
      return row && { json: row.value, generation: Number(row.generation) };
    },
    async updateClaim(key, json) {
      await query('UPDATE sitrep_claims SET value = $1, generation = generation + 1 WHERE key = $2', [json, key]);
    },
    async updateClaimIf(key, generation, json) {
      const rows = await query('UPDATE sitrep_claims SET value = $1, generation = generation + 1 WHERE key = $2 AND generation = $3 RETURNING key', [
        json,
        key,
        generation,
      ]);
      return rows.length === 1;
    },
    async listClaims(prefix) {
      return query<{ key: string; value: string }>('SELECT key, value FROM sitrep_claims WHERE starts_with(key, $1) ORDER BY key', [prefix]);
    },
    async pruneClaims(prefix, olderThanMs) {
      return (await query('DELETE FROM sitrep_claims WHERE starts_with(key, $1) AND created_at < $2 RETURNING key', [prefix, olderThanMs])).length;
    },
    changes,
    async close() {
      await watch.close();
      await pool.end().catch(() => undefined);
    },
  };
}

type Q = <R = Record<string, unknown>>(sql: string, values?: unknown[]) => Promise<R[]>;

async function inTransaction<T>(pool: Pool, work: (q: Q) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const q: Q = async (sql, values) => (await client.query(sql, values)).rows as never;
  try {
    await q('BEGIN');
    const result = await work(q);
    await q('COMMIT');
    return result;
  } catch (error) {
    await q('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** One LISTEN connection per store, opened by the first watcher; reconnects (and wakes everyone) after a drop. */
function notifyWatch(url: string) {
  const listeners = new Set<() => void>();
  let client: Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const wake = () => {
    for (const listener of [...listeners]) listener();
  };
  const connect = async () => {
    if (stopped || client) return;
    const conn = new pg.Client({ connectionString: url });
    client = conn;
    const reconnect = () => {
      if (client !== conn) return;
      client = undefined;
      conn.end().catch(() => undefined);
      if (!stopped && listeners.size) {
        retry = setTimeout(() => void connect().then(wake, () => undefined), 1000);
        retry.unref();
      }
    };
    conn.on('notification', wake);
    conn.on('error', reconnect);
    conn.on('end', reconnect);
    try {
      await conn.connect();
      await conn.query(`LISTEN ${CHANNEL}`);
    } catch {
      reconnect();
    }
  };
  return {
    watch(onChange: () => void) {
      listeners.add(onChange);
      void connect();
      return () => void listeners.delete(onChange);
    },
    async close() {
      stopped = true;
      clearTimeout(retry);
      const conn = client;
      client = undefined;
      await conn?.end().catch(() => undefined);
    },
  };
}
