import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';

export type StoreKind = 'sqlite' | 'redis' | 'postgres';

/**
 * The one persistence handle every repository is built on. `kv(namespace)` gives a keyv namespace;
 * `claim` is the atomic "insert if absent" that keyv itself lacks, needed for exactly-once delivery.
 */
export interface Store {
  readonly kind: StoreKind;
  readonly url: string;
  kv<V = unknown>(namespace: string): Keyv<V>;
  /** Atomically records `value` under `key` unless a claim already exists. True when this call won. */
  claim(key: string, value: unknown): Promise<boolean>;
  getClaim<V = unknown>(key: string): Promise<V | undefined>;
  /** Overwrites an existing claim's value (e.g. to record message ids after sending). */
  updateClaim(key: string, value: unknown): Promise<void>;
  /** Lists claims whose key starts with `prefix`. */
  listClaims<V = unknown>(prefix: string): Promise<Array<{ key: string; value: V }>>;
  /** Deletes claims under `prefix` made before `olderThan`; returns how many. Keeps the ledger bounded. */
  pruneClaims(prefix: string, olderThan: Date): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Pages of a namespace's rows, in key order. Values are decoded. No reach into keyv internals by callers. */
  scan<V = unknown>(namespace: string, opts?: { pageSize?: number; prefix?: string }): AsyncIterable<Array<{ key: string; value: V }>>;
  /** Writes many rows of a namespace in as few round trips as the backend allows (one transaction on SQL). */
  putMany<V = unknown>(namespace: string, entries: Array<{ key: string; value: V }>): Promise<void>;
  /** The store's change log: a store-assigned, strictly increasing sequence shared by every process. */
  readonly changes: ChangeLog;
  /** Claims with compare-and-set. `claim()` creates generation 1. */
  readClaim<V = unknown>(key: string): Promise<{ value: V; generation: number } | undefined>;
  /** Replaces the claim's value only if its generation is still `generation`; then generation+1. False when it moved on. */
  updateClaimIf(key: string, generation: number, value: unknown): Promise<boolean>;
}

export interface ChangeLog {
  /** Appends an entry and returns its sequence number (strictly increasing across all processes). */
  append(namespace: string, key: string): Promise<number>;
  /** Entries with seq > after, oldest first, at most `limit` (default 1000). */
  since(after: number, limit?: number): Promise<Array<{ seq: number; namespace: string; key: string }>>;
  /** Highest assigned seq, 0 when none. */
  head(): Promise<number>;
  /** Cheap wake-up when another process may have appended. Consumers then read with since(). Returns unsubscribe. */
  watch(onChange: () => void): () => void;
}

interface Backend {
  adapter(namespace: string): unknown;
  claim(key: string, json: string): Promise<boolean>;
  getClaim(key: string): Promise<string | undefined>;
  updateClaim(key: string, json: string): Promise<void>;
  listClaims(prefix: string): Promise<Array<{ key: string; value: string }>>;
  pruneClaims(prefix: string, olderThanMs: number): Promise<number>;
  close(): Promise<void>;
  /** STAND-IN (library branch): the `store` engineer's implementation replaces this at merge. */
  changes: Omit<ChangeLog, 'watch'>;
}

export interface StoreOptions {
  /** Clock for claim timestamps (ms since epoch); the app passes its injectable clock. */
  now?: () => number;
}

export async function createStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const kind = storeKind(url);
  const now = options.now ?? Date.now;
  const backend = kind === 'sqlite' ? await sqliteBackend(url, now) : kind === 'redis' ? await redisBackend(url, now) : await postgresBackend(url, now);
  const namespaces = new Map<string, Keyv>();
  const watchers = new Set<() => void>();
  const store: Store = {
    kind,
    url,
    kv<V>(namespace: string) {
      let kv = namespaces.get(namespace);
      if (!kv) {
        kv = new Keyv({ store: backend.adapter(namespace) as never, namespace, useKeyPrefix: kind !== 'redis' });
        kv.on('error', () => undefined); // errors surface as rejected promises; the emitter must not crash the process
        namespaces.set(namespace, kv);
      }
      return kv as Keyv<V>;
    },
    claim: (key, value) => backend.claim(key, JSON.stringify(value)),
    async getClaim<V>(key: string) {
      const raw = await backend.getClaim(key);
      return raw === undefined ? undefined : (JSON.parse(raw) as V);
    },
    updateClaim: (key, value) => backend.updateClaim(key, JSON.stringify(value)),
    async listClaims<V>(prefix: string) {
      return (await backend.listClaims(prefix)).map(({ key, value }) => ({ key, value: JSON.parse(value) as V }));
    },
    pruneClaims: (prefix, olderThan) => backend.pruneClaims(prefix, olderThan.getTime()),
    async ping() {
      const kv = store.kv('health');
      await kv.set('ping', Date.now());
      await kv.get('ping');
    },
    close: async () => {
      for (const stop of watchers) stop();
      await backend.close();
    },
    // --- STAND-IN for CONTRACTS §1 (library branch): naive, replaced by the store engineer's version.
    async *scan<V>(namespace: string, opts: { pageSize?: number; prefix?: string } = {}) {
      const kv = store.kv<V>(namespace);
      const pageSize = opts.pageSize ?? 1_000;
      const rows: Array<{ key: string; value: V }> = [];
      const iterate = kv.iterator as unknown as ((ns?: string) => AsyncGenerator<[string, V]>) | undefined;
      if (!iterate) return;
      for await (const [key, value] of iterate(kv.namespace)) {
        if (value === undefined || value === null) continue;
        if (opts.prefix && !String(key).startsWith(opts.prefix)) continue;
        rows.push({ key: String(key), value });
      }
      rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      for (let i = 0; i < rows.length; i += pageSize) yield rows.slice(i, i + pageSize);
    },
    async putMany<V>(namespace: string, entries: Array<{ key: string; value: V }>) {
      if (entries.length === 0) return;
      const written: unknown = await store.kv<V>(namespace).setMany(entries);
      const failed = Array.isArray(written) ? written.filter((ok) => !ok).length : 0;
      if (failed) throw new Error(`Could not save ${failed} of ${entries.length} rows to the ${kind} store`);
    },
    changes: {
      append: (namespace, key) => backend.changes.append(namespace, key),
      since: (after, limit) => backend.changes.since(after, limit),
      head: () => backend.changes.head(),
      watch(onChange) {
        let last = -1;
        let busy = false;
        const timer = setInterval(() => {
          if (busy) return;
          busy = true;
          backend.changes
            .head()
            .then((head) => {
              if (last !== -1 && head !== last) onChange();
              last = head;
            })
            .catch(() => undefined)
            .finally(() => (busy = false));
        }, 250);
        timer.unref();
        const stop = () => clearInterval(timer);
        watchers.add(stop);
        return () => {
          stop();
          watchers.delete(stop);
        };
      },
    },
    async readClaim<V>(key: string) {
      const value = await store.getClaim<V>(key);
      return value === undefined ? undefined : { value, generation: 1 };
    },
    async updateClaimIf(key: string, _generation: number, value: unknown) {
      await store.updateClaim(key, value);
      return true;
    },
  };
  return store;
}

export function storeKind(url: string): StoreKind {
  if (url.startsWith('sqlite://')) return 'sqlite';
  if (url.startsWith('redis://') || url.startsWith('rediss://')) return 'redis';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  throw new Error(`Unsupported STORE_URL "${url}": use sqlite://PATH, redis://HOST:PORT or postgres://USER@HOST/DB`);
}

type Query = (sql: string, ...params: unknown[]) => Promise<Array<Record<string, unknown>>>;

async function sqliteBackend(url: string, now: () => number): Promise<Backend> {
  const path = url.slice('sqlite://'.length);
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const adapters: KeyvSqlite[] = [];
  const open = () => {
    // busyTimeout: several connections share the file; iterationLimit: the default of 10 makes iteration quadratic.
    const adapter = new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: 10_000, iterationLimit: 2_000 });
    adapter.on('error', () => undefined);
    adapters.push(adapter);
    return adapter;
  };
  const main = open();
  const query = main.query as Query;
  // WAL with synchronous=NORMAL keeps every commit durable against a process kill (-9) while making
  // small writes fast; journal_mode is a property of the file, so setting it once covers every connection.
  await query('PRAGMA journal_mode=WAL');
  await query('CREATE TABLE IF NOT EXISTS claims(key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at INTEGER NOT NULL DEFAULT 0)');
  await addCreatedAtColumn(query, 'claims', 'INTEGER');
  await query('CREATE TABLE IF NOT EXISTS changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, namespace TEXT NOT NULL, key TEXT NOT NULL)');
  return {
    changes: {
      async append(namespace, key) {
        const rows = await query('INSERT INTO changes(namespace, key) VALUES(?, ?) RETURNING seq', namespace, key);
        return Number(rows[0]!.seq);
      },
      async since(after, limit = 1000) {
        const rows = await query('SELECT seq, namespace, key FROM changes WHERE seq > ? ORDER BY seq LIMIT ?', after, limit);
        return rows.map((r) => ({ seq: Number(r.seq), namespace: String(r.namespace), key: String(r.key) }));
      },
      async head() {
        const rows = await query('SELECT MAX(seq) AS head FROM changes');
        return Number(rows[0]?.head ?? 0);
      },
    },
    adapter() {
      const adapter = open();
      void (adapter.query as Query)('PRAGMA synchronous=NORMAL').catch(() => undefined);
      return adapter;
    },
    async claim(key, json) {
      const rows = await query('INSERT INTO claims(key, value, created_at) VALUES(?, ?, ?) ON CONFLICT(key) DO NOTHING RETURNING key', key, json, now());
      return rows.length === 1;
    },
    async getClaim(key) {
      const rows = await query('SELECT value FROM claims WHERE key = ?', key);
      return rows[0]?.value as string | undefined;
    },
    async updateClaim(key, json) {
      await query('UPDATE claims SET value = ? WHERE key = ?', json, key);
    },
    async listClaims(prefix) {
      const rows = await query("SELECT key, value FROM claims WHERE key >= ? AND key < ? ORDER BY key", prefix, `${prefix}\uffff`);
      return rows.map((r) => ({ key: String(r.key), value: String(r.value) }));
    },
    async pruneClaims(prefix, olderThanMs) {
      const rows = await query('DELETE FROM claims WHERE key >= ? AND key < ? AND created_at < ? RETURNING key', prefix, `${prefix}\uffff`, olderThanMs);
      return rows.length;
    },
    async close() {
      await Promise.all(adapters.map((a) => a.disconnect().catch(() => undefined)));
    },
  };
}

async function redisBackend(url: string, now: () => number): Promise<Backend> {
  const { default: KeyvRedis, createClient } = await import('@keyv/redis');
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  const claimKey = (key: string) => `sitrep:claim:${key}`;
  /** Sorted set of claim keys by creation time, so old claims can be pruned without a full scan. */
  const claimTimes = 'sitrep:claim-times';
  const adapters: Array<{ disconnect(): Promise<void> }> = [];
  const changesKey = 'sitrep:changes';
  return {
    changes: {
      async append(namespace, key) {
        const seq = await client.incr(`${changesKey}:seq`);
        await client.zAdd(changesKey, { score: seq, value: JSON.stringify([seq, namespace, key]) });
        return seq;
      },
      async since(after, limit = 1000) {
        const rows = await client.zRangeByScore(changesKey, `(${after}`, '+inf', { LIMIT: { offset: 0, count: limit } });
        return rows.map((row) => {
          const [seq, namespace, key] = JSON.parse(row) as [number, string, string];
          return { seq, namespace, key };
        });
      },
      async head() {
        return Number((await client.get(`${changesKey}:seq`)) ?? 0);
      },
    },
    adapter(namespace) {
      const adapter = new KeyvRedis(url, { namespace, useUnlink: true });
      adapter.on('error', () => undefined);
      adapters.push(adapter);
      return adapter;
    },
    async claim(key, json) {
      const won = (await client.set(claimKey(key), json, { NX: true })) === 'OK';
      if (won) await client.zAdd(claimTimes, { score: now(), value: key });
      return won;
    },
    async getClaim(key) {
      return (await client.get(claimKey(key))) ?? undefined;
    },
    async updateClaim(key, json) {
      await client.set(claimKey(key), json, { XX: true });
    },
    async listClaims(prefix) {
      const out: Array<{ key: string; value: string }> = [];
      for await (const keys of client.scanIterator({ MATCH: `${claimKey(prefix).replace(/[*?[\]\\]/g, '\\$&')}*`, COUNT: 500 })) {
        for (const key of keys) {
          const value = await client.get(key);
          if (value !== null) out.push({ key: key.slice(claimKey('').length), value });
        }
      }
      return out.sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    async pruneClaims(prefix, olderThanMs) {
      const old = (await client.zRangeByScore(claimTimes, '-inf', `(${olderThanMs}`)).filter((key) => key.startsWith(prefix));
      for (let i = 0; i < old.length; i += 500) {
        const batch = old.slice(i, i + 500);
        await client.del(batch.map(claimKey));
        await client.zRem(claimTimes, batch);
      }
      return old.length;
    },
    async close() {
      await Promise.all(adapters.map((a) => a.disconnect().catch(() => undefined)));
      await client.quit().catch(() => undefined);
    },
  };
}

async function postgresBackend(url: string, now: () => number): Promise<Backend> {
  const { default: KeyvPostgres } = await import('@keyv/postgres');
  const adapters: Array<{ disconnect(): Promise<void> }> = [];
  const open = () => {
    const adapter = new KeyvPostgres({ uri: url });
    adapter.on('error', () => undefined);
    adapters.push(adapter);
    return adapter;
  };
  const main = open();
  const pgQuery = main.query as unknown as (sql: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>;
  const query: Query = (sql, ...params) => pgQuery(sql, params);
  await query('CREATE TABLE IF NOT EXISTS sitrep_claims(key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at BIGINT NOT NULL DEFAULT 0)');
  await query('ALTER TABLE sitrep_claims ADD COLUMN IF NOT EXISTS created_at BIGINT NOT NULL DEFAULT 0');
  await query('CREATE TABLE IF NOT EXISTS sitrep_changes(seq BIGSERIAL PRIMARY KEY, namespace TEXT NOT NULL, key TEXT NOT NULL)');
  return {
    changes: {
      async append(namespace, key) {
        const rows = await query('INSERT INTO sitrep_changes(namespace, key) VALUES($1, $2) RETURNING seq', namespace, key);
        return Number(rows[0]!.seq);
      },
      async since(after, limit = 1000) {
        const rows = await query('SELECT seq, namespace, key FROM sitrep_changes WHERE seq > $1 ORDER BY seq LIMIT $2', after, limit);
        return rows.map((r) => ({ seq: Number(r.seq), namespace: String(r.namespace), key: String(r.key) }));
      },
      async head() {
        const rows = await query('SELECT COALESCE(MAX(seq), 0) AS head FROM sitrep_changes');
        return Number(rows[0]?.head ?? 0);
      },
    },
    adapter: () => open(),
    async claim(key, json) {
      const rows = await query(
        'INSERT INTO sitrep_claims(key, value, created_at) VALUES($1, $2, $3) ON CONFLICT(key) DO NOTHING RETURNING key',
        key,
        json,
        now(),
      );
      return rows.length === 1;
    },
    async getClaim(key) {
      const rows = await query('SELECT value FROM sitrep_claims WHERE key = $1', key);
      return rows[0]?.value as string | undefined;
    },
    async updateClaim(key, json) {
      await query('UPDATE sitrep_claims SET value = $1 WHERE key = $2', json, key);
    },
    async listClaims(prefix) {
      const rows = await query('SELECT key, value FROM sitrep_claims WHERE starts_with(key, $1) ORDER BY key', prefix);
      return rows.map((r) => ({ key: String(r.key), value: String(r.value) }));
    },
    async pruneClaims(prefix, olderThanMs) {
      const rows = await query('DELETE FROM sitrep_claims WHERE starts_with(key, $1) AND created_at < $2 RETURNING key', prefix, olderThanMs);
      return rows.length;
    },
    async close() {
      await Promise.all(adapters.map((a) => a.disconnect().catch(() => undefined)));
    },
  };
}

/** Adds `created_at` to a claims table made before claims were pruned (SQLite has no ADD COLUMN IF NOT EXISTS). */
async function addCreatedAtColumn(query: Query, table: string, type: string): Promise<void> {
  const columns = await query(`PRAGMA table_info(${table})`);
  if (!columns.some((c) => c.name === 'created_at')) await query(`ALTER TABLE ${table} ADD COLUMN created_at ${type} NOT NULL DEFAULT 0`);
}
