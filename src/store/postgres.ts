import pg, { type Client, type Pool, type QueryResultRow } from 'pg';
import { type Backend, type BackendChangeLog, changeWindow, type RawRow } from './backend.ts';
import { postgresOpenError } from './errors.ts';
import { KeyvPg } from './keyv-postgres-adapter.ts';
import type { ChangeEntry } from './types.ts';

/** Any fixed number: serialises schema setup and change appends across every process on the database. */
const SCHEMA_LOCK = 7_361_000_001;
const APPEND_LOCK = 7_361_000_002;
const TRIM_LOCK = 7_361_000_003;
/** SQLSTATE of a write in a read-only transaction (default_transaction_read_only, a hot standby). */
const READ_ONLY = '25006';
const CHANNEL = 'sitrep_changes';

/**
 * PostgreSQL, on one `pg` pool per store: keyv namespaces (table `keyv`, see keyv-postgres-adapter.ts),
 * claims (compare-and-set on a generation), the change log (BIGSERIAL + LISTEN/NOTIFY) and scans.
 */
export async function postgresBackend(url: string, now: () => number): Promise<Backend> {
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined);
  let readOnly = false;
  try {
    await inTransaction(pool, async (q) => {
      // Concurrent CREATE TABLE IF NOT EXISTS can still collide on the catalog; the lock makes it one at a time.
      await q('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await q('CREATE TABLE IF NOT EXISTS keyv(key VARCHAR(255) PRIMARY KEY, value TEXT)');
      await q('CREATE TABLE IF NOT EXISTS sitrep_claims(key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at BIGINT NOT NULL DEFAULT 0)');
      await q('ALTER TABLE sitrep_claims ADD COLUMN IF NOT EXISTS created_at BIGINT NOT NULL DEFAULT 0');
      await q('ALTER TABLE sitrep_claims ADD COLUMN IF NOT EXISTS generation BIGINT NOT NULL DEFAULT 1');
      await q('CREATE TABLE IF NOT EXISTS sitrep_changes(seq BIGSERIAL PRIMARY KEY, namespace TEXT NOT NULL, key TEXT NOT NULL)');
      // Entries of earlier versions count from the upgrade (now() is evaluated once for the existing rows).
      await q('ALTER TABLE sitrep_changes ADD COLUMN IF NOT EXISTS at BIGINT NOT NULL DEFAULT (extract(epoch from now()) * 1000)::bigint');
      await q('CREATE TABLE IF NOT EXISTS sitrep_change_log_meta(id INT PRIMARY KEY, trimmed_through BIGINT NOT NULL)');
      await q('INSERT INTO sitrep_change_log_meta(id, trimmed_through) VALUES(1, 0) ON CONFLICT(id) DO NOTHING');
    });
  } catch (error) {
    // A read-only database that already has the store's tables still serves reads; every write is refused.
    readOnly = (error as { code?: string }).code === READ_ONLY && (await hasSchema(pool));
    if (!readOnly) {
      await pool.end().catch(() => undefined);
      throw postgresOpenError(url, error);
    }
  }
  const query = async <R extends QueryResultRow = Record<string, unknown>>(sql: string, values: unknown[] = []) => (await pool.query<R>(sql, values)).rows;
  const watch = notifyWatch(url);

  const changes: BackendChangeLog = {
    async append(namespace, key) {
      // The lock is held until commit, so numbers become visible in order: a reader that sees seq N has
      // every lower seq too (a plain BIGSERIAL lets N+1 commit before N, and a cursor would skip N).
      return inTransaction(pool, async (q) => {
        await q('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
        const [row] = await q<{ seq: string }>('INSERT INTO sitrep_changes(namespace, key, at) VALUES($1, $2, $3) RETURNING seq', [namespace, key, now()]);
        await q(`NOTIFY ${CHANNEL}`);
        return Number(row!.seq);
      });
    },
    async appendMany(namespace, keys) {
      return inTransaction(pool, async (q) => {
        await q('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
        // Rows are inserted in ORDER BY order, so sorted seqs match the keys' order.
        const rows = await q<{ seq: string }>(
          'INSERT INTO sitrep_changes(namespace, key, at) SELECT $1, k, $3 FROM unnest($2::text[]) WITH ORDINALITY AS u(k, n) ORDER BY n RETURNING seq',
          [namespace, keys, now()],
        );
        await q(`NOTIFY ${CHANNEL}`);
        return rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
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
      // The watermark too: once retention has deleted every entry, the head stays where it was.
      const [row] = await query<{ head: string }>(
        'SELECT GREATEST((SELECT COALESCE(MAX(seq), 0) FROM sitrep_changes), (SELECT COALESCE(MAX(trimmed_through), 0) FROM sitrep_change_log_meta)) AS head',
      );
      return Number(row?.head ?? 0);
    },
    async oldest() {
      const [row] = await query<{ oldest: string }>('SELECT COALESCE(MIN(seq), 0) AS oldest FROM sitrep_changes');
      return Number(row?.oldest ?? 0);
    },
    async readSince(after, limit) {
      // One statement, so one snapshot: the entries and the watermark cannot come from either side of a trim.
      const rows = await query<{ trimmed_through: string; seq: string | null; namespace: string; key: string }>(
        `SELECT m.trimmed_through, c.seq, c.namespace, c.key FROM sitrep_change_log_meta m
         LEFT JOIN LATERAL (SELECT seq, namespace, key FROM sitrep_changes WHERE seq > $1 ORDER BY seq LIMIT $2) c ON true
         WHERE m.id = 1 ORDER BY c.seq`,
        [after, limit],
      );
      const entries = rows.filter((r) => r.seq !== null).map((r): ChangeEntry => ({ seq: Number(r.seq), namespace: r.namespace, key: r.key }));
      return changeWindow(entries, after, Number(rows[0]?.trimmed_through ?? 0));
    },
    async trim(olderThanMs, maxEntries) {
      return inTransaction(pool, async (q) => {
        const [lock] = await q<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS got', [TRIM_LOCK]);
        if (!lock?.got) return 0; // another process is trimming right now
        const [cut] = await q<{ through: string }>(
          `SELECT GREATEST(
             COALESCE((SELECT seq - 1 FROM sitrep_changes WHERE at >= $1 ORDER BY seq LIMIT 1), (SELECT COALESCE(MAX(seq), 0) FROM sitrep_changes)),
             COALESCE((SELECT seq FROM sitrep_changes ORDER BY seq DESC LIMIT 1 OFFSET $2), 0)
           ) AS through`,
          [olderThanMs, maxEntries],
        );
        const through = Number(cut?.through ?? 0);
        const [meta] = await q<{ trimmed_through: string }>('SELECT trimmed_through FROM sitrep_change_log_meta WHERE id = 1 FOR UPDATE');
        if (through <= Number(meta?.trimmed_through ?? 0)) return 0;
        const [deleted] = await q<{ n: string }>('WITH gone AS (DELETE FROM sitrep_changes WHERE seq <= $1 RETURNING 1) SELECT count(*) AS n FROM gone', [
          through,
        ]);
        await q('UPDATE sitrep_change_log_meta SET trimmed_through = $1 WHERE id = 1', [through]);
        return Number(deleted?.n ?? 0);
      });
    },
    watch: watch.watch,
  };

  return {
    adapter: () => new KeyvPg(pool, url),
    useKeyPrefix: true,
    readOnly,
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
    async claimMany(entries) {
      const rows = await query<{ key: string }>(
        'INSERT INTO sitrep_claims(key, value, created_at, generation) SELECT k, v, $3, 1 FROM unnest($1::text[], $2::text[]) AS u(k, v) ON CONFLICT(key) DO NOTHING RETURNING key',
        [entries.map((e) => e.key), entries.map((e) => e.json), now()],
      );
      const won = new Set(rows.map((r) => r.key));
      return entries.map((e) => won.has(e.key));
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

async function hasSchema(pool: Pool): Promise<boolean> {
  const rows = await pool
    .query<{ ok: boolean }>(
      "SELECT to_regclass('keyv') IS NOT NULL AND to_regclass('sitrep_claims') IS NOT NULL AND to_regclass('sitrep_change_log_meta') IS NOT NULL AS ok",
    )
    .catch(() => ({ rows: [] as Array<{ ok: boolean }> }));
  return rows.rows[0]?.ok === true;
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
