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
  /** Claims with compare-and-set (CONTRACTS §1): `claim()` creates generation 1. */
  readClaim<V = unknown>(key: string): Promise<{ value: V; generation: number } | undefined>;
  /** Replaces the claim's value only if its generation is still `generation`; then generation+1. False when it moved on. */
  updateClaimIf(key: string, generation: number, value: unknown): Promise<boolean>;
  /** Lists claims whose key starts with `prefix`. */
  listClaims<V = unknown>(prefix: string): Promise<Array<{ key: string; value: V }>>;
  /** Deletes claims under `prefix` made before `olderThan`; returns how many. Keeps the ledger bounded. */
  pruneClaims(prefix: string, olderThan: Date): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

interface Backend {
  adapter(namespace: string): unknown;
  claim(key: string, json: string): Promise<boolean>;
  getClaim(key: string): Promise<string | undefined>;
  updateClaim(key: string, json: string): Promise<void>;
  readClaim(key: string): Promise<{ value: string; generation: number } | undefined>;
  updateClaimIf(key: string, generation: number, json: string): Promise<boolean>;
  listClaims(prefix: string): Promise<Array<{ key: string; value: string }>>;
  pruneClaims(prefix: string, olderThanMs: number): Promise<number>;
  close(): Promise<void>;
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
    async readClaim<V>(key: string) {
      const row = await backend.readClaim(key);
      return row === undefined ? undefined : { value: JSON.parse(row.value) as V, generation: row.generation };
    },
    updateClaimIf: (key, generation, value) => backend.updateClaimIf(key, generation, JSON.stringify(value)),
    async listClaims<V>(prefix: string) {
      return (await backend.listClaims(prefix)).map(({ key, value }) => ({ key, value: JSON.parse(value) as V }));
    },
    pruneClaims: (prefix, olderThan) => backend.pruneClaims(prefix, olderThan.getTime()),
    async ping() {
      const kv = store.kv('health');
      await kv.set('ping', Date.now());
      await kv.get('ping');
    },
    close: () => backend.close(),
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
  await addGenerationColumn(query);
  return {
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
      await query('UPDATE claims SET value = ?, generation = generation + 1 WHERE key = ?', json, key);
    },
    async readClaim(key) {
      const rows = await query('SELECT value, generation FROM claims WHERE key = ?', key);
      return rows[0] ? { value: String(rows[0].value), generation: Number(rows[0].generation) } : undefined;
    },
    async updateClaimIf(key, generation, json) {
      const rows = await query('UPDATE claims SET value = ?, generation = generation + 1 WHERE key = ? AND generation = ? RETURNING key', json, key, generation);
      return rows.length === 1;
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
  const generationKey = (key: string) => `sitrep:claim-gen:${key}`;
  // Compare-and-set in one script, so no other writer can slip between the check and the write.
  const casScript = `
    if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
    local g = tonumber(redis.call('GET', KEYS[2]) or '1')
    if g ~= tonumber(ARGV[1]) then return 0 end
    redis.call('SET', KEYS[1], ARGV[2])
    redis.call('SET', KEYS[2], g + 1)
    return 1`;
  /** Sorted set of claim keys by creation time, so old claims can be pruned without a full scan. */
  const claimTimes = 'sitrep:claim-times';
  const adapters: Array<{ disconnect(): Promise<void> }> = [];
  return {
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
      if ((await client.set(claimKey(key), json, { XX: true })) === 'OK') await client.incr(generationKey(key));
    },
    async readClaim(key) {
      const [value, generation] = await client.mGet([claimKey(key), generationKey(key)]);
      return value == null ? undefined : { value, generation: generation == null ? 1 : Number(generation) };
    },
    async updateClaimIf(key, generation, json) {
      const result = await client.eval(casScript, { keys: [claimKey(key), generationKey(key)], arguments: [String(generation), json] });
      return Number(result) === 1;
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
        await client.del([...batch.map(claimKey), ...batch.map(generationKey)]);
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
  await query('ALTER TABLE sitrep_claims ADD COLUMN IF NOT EXISTS generation BIGINT NOT NULL DEFAULT 1');
  return {
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
      await query('UPDATE sitrep_claims SET value = $1, generation = generation + 1 WHERE key = $2', json, key);
    },
    async readClaim(key) {
      const rows = await query('SELECT value, generation FROM sitrep_claims WHERE key = $1', key);
      return rows[0] ? { value: String(rows[0].value), generation: Number(rows[0].generation) } : undefined;
    },
    async updateClaimIf(key, generation, json) {
      const rows = await query('UPDATE sitrep_claims SET value = $1, generation = generation + 1 WHERE key = $2 AND generation = $3 RETURNING key', json, key, generation);
      return rows.length === 1;
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

/** Adds `generation` (compare-and-set on claims) to a claims table made before it existed. */
async function addGenerationColumn(query: Query): Promise<void> {
  const columns = await query('PRAGMA table_info(claims)');
  if (!columns.some((c) => c.name === 'generation')) await query('ALTER TABLE claims ADD COLUMN generation INTEGER NOT NULL DEFAULT 1');
}
