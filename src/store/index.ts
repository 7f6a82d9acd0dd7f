/**
 * The store: keyv namespaces, claims, bulk reads/writes and the change log over one of three backends
 * (sqlite.ts — the embedded default on better-sqlite3 —, redis.ts, postgres.ts).
 *
 * What happens on each fault, as the user, the logs and /healthz see it, is in docs/store.md. In short:
 * - A write the backend does not take (full disk, read-only file or database, a refused value, a lost
 *   connection) rejects with StoreWriteError (a UserError: the user sees "I couldn't save that…", nothing
 *   is confirmed), is logged and counted, and health().writable is false until a write is taken again.
 * - SQLite at open: a file that is not a database, fails `PRAGMA quick_check` or cannot get the store's
 *   tables stops the start with StoreOpenError, naming the file and what to do (restore a backup, or move
 *   it aside to start empty).
 * - SQLite while running: when the file at the path is deleted or replaced (its device/inode changes),
 *   every later write is refused (health() notices it too) instead of being confirmed into an unlinked file.
 * - Redis or PostgreSQL unreachable or refusing the login/database at start: StoreOpenError naming the URL
 *   (password hidden) and what to check. Lost while running: writes fail at once (StoreWriteError) until it
 *   is back. A read-only PostgreSQL opens for reads and refuses writes.
 *
 * The change log is trimmed by retention (ChangeRetention); changes.readSince() tells a reader that fell
 * behind the kept window to rebuild.
 */
import Keyv from 'keyv';
import type { Backend } from './backend.ts';
import { WriteChecker } from './checked-writes.ts';
import type { ChangeLog, Store, StoreKind, StoreOptions } from './types.ts';

export type { ChangeEntry, ChangeLog, ChangeRetention, ChangeWindow, Store, StoreHealth, StoreKind, StoreOptions } from './types.ts';
export { StoreOpenError, StoreWriteError } from './errors.ts';

const DEFAULT_PAGE = 500;
const DEFAULT_RETENTION = { maxAgeMs: 7 * 24 * 3600_000, maxEntries: 100_000, trimEveryMs: 5 * 60_000 };

export async function createStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const kind = storeKind(url);
  const now = options.now ?? Date.now;
  const backend: Backend =
    kind === 'sqlite'
      ? (await import('./sqlite.ts')).sqliteBackend(url, now, options.sqlitePragmas)
      : kind === 'redis'
        ? await (await import('./redis.ts')).redisBackend(url, now)
        : await (await import('./postgres.ts')).postgresBackend(url, now);
  const writes = new WriteChecker(backend, options.logger);
  const namespaces = new Map<string, Keyv>();
  const kv = <V>(namespace: string): Keyv<V> => {
    let made = namespaces.get(namespace);
    if (!made) {
      // throwOnErrors: a failed read must not look like a missing row, nor a failed write like a saved one.
      made = new Keyv({ store: writes.adapter(backend.adapter(namespace), namespace), namespace, useKeyPrefix: backend.useKeyPrefix, throwOnErrors: true });
      made.on('error', () => undefined); // errors surface as rejected promises; the emitter must not crash the process
      namespaces.set(namespace, made);
    }
    return made as Keyv<V>;
  };
  const retention = { ...DEFAULT_RETENTION, ...options.changeRetention };
  let nextTrimAt = now() + retention.trimEveryMs; // not at once: short-lived processes (the CLI) leave it to the bot
  let trimming: Promise<unknown> | undefined;
  const trim = () => backend.changes.trim(now() - retention.maxAgeMs, Math.max(1, retention.maxEntries));
  // Whichever process appends trims, at most every trimEveryMs, in the background: the append does not wait.
  const trimIfDue = () => {
    if (trimming || now() < nextTrimAt) return;
    nextTrimAt = now() + retention.trimEveryMs;
    trimming = trim()
      .catch((error: unknown) => options.logger?.warn({ err: error }, 'could not trim the change log; will retry later'))
      .finally(() => (trimming = undefined));
  };
  const changes: ChangeLog = {
    async append(namespace, key) {
      const seq = await writes.run(`append change ${namespace}`, () => backend.changes.append(namespace, key));
      trimIfDue();
      return seq;
    },
    async appendMany(namespace, keys) {
      if (keys.length === 0) return [];
      const log = backend.changes;
      const seqs = await writes.run(`append changes ${namespace}`, () =>
        // Issued in order without waiting in between: a pipelined connection (Redis) keeps them in order.
        log.appendMany ? log.appendMany(namespace, keys) : Promise.all(keys.map((key) => log.append(namespace, key))),
      );
      trimIfDue();
      return seqs;
    },
    since: (after, limit) => backend.changes.since(after, limit),
    head: () => backend.changes.head(),
    watch: (onChange) => backend.changes.watch(onChange),
    oldest: () => backend.changes.oldest(),
    readSince: (after, limit = 1000) => backend.changes.readSince(after, limit),
    trim: async () => {
      await trimming;
      return trim();
    },
  };

  const store: Store = {
    kind,
    url,
    kv,
    async *scan<V>(namespace: string, opts: { pageSize?: number; prefix?: string } = {}) {
      const decoder = kv<V>(namespace);
      const clock = Date.now(); // keyv stamps `expires` with the real time, so expiry is judged by it too
      for await (const rows of backend.scan(namespace, opts.prefix ?? '', Math.max(1, opts.pageSize ?? DEFAULT_PAGE))) {
        const page: Array<{ key: string; value: V }> = [];
        for (const { key, raw } of rows) {
          const data = await decoder.deserializeData<V>(raw);
          if (!data || (typeof data.expires === 'number' && data.expires < clock)) continue;
          page.push({ key, value: data.value as V });
        }
        if (page.length) yield page;
      }
    },
    async putMany(namespace, entries) {
      if (entries.length) await kv(namespace).setMany(entries);
    },
    changes,
    claim: (key, value) => writes.run('claim', () => backend.claim(key, JSON.stringify(value))),
    async claimMany(entries) {
      // A key repeated in the batch: only its first entry can win.
      const first = new Map<string, number>();
      entries.forEach(({ key }, i) => first.has(key) || first.set(key, i));
      const distinct = [...first].map(([key, i]) => ({ key, json: JSON.stringify(entries[i]!.value) }));
      if (distinct.length === 0) return [];
      const won = await writes.run('claim', () =>
        backend.claimMany ? backend.claimMany(distinct) : Promise.all(distinct.map(({ key, json }) => backend.claim(key, json))),
      );
      const byIndex = new Map([...first.values()].map((i, j) => [i, won[j]!]));
      return entries.map((_, i) => byIndex.get(i) ?? false);
    },
    async getClaim<V>(key: string) {
      const row = await backend.readClaim(key);
      return row === undefined ? undefined : (JSON.parse(row.json) as V);
    },
    async readClaim<V>(key: string) {
      const row = await backend.readClaim(key);
      return row === undefined ? undefined : { value: JSON.parse(row.json) as V, generation: row.generation };
    },
    updateClaimIf: (key, generation, value) => writes.run('update claim', () => backend.updateClaimIf(key, generation, JSON.stringify(value))),
    updateClaim: (key, value) => writes.run('update claim', () => backend.updateClaim(key, JSON.stringify(value))),
    async listClaims<V>(prefix: string) {
      return (await backend.listClaims(prefix)).map(({ key, value }) => ({ key, value: JSON.parse(value) as V }));
    },
    pruneClaims: (prefix, olderThan) => writes.run('prune claims', () => backend.pruneClaims(prefix, olderThan.getTime())),
    health: () => writes.health(),
    async ping() {
      const health = store.kv('health');
      await health.set('ping', now());
      await health.get('ping');
    },
    async close() {
      await trimming;
      await backend.close();
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
