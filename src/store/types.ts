import type Keyv from 'keyv';
import type { Logger } from '../logger.ts';

export type StoreKind = 'sqlite' | 'redis' | 'postgres';

/** The store's change log: a store-assigned, strictly increasing sequence shared by every process. */
export interface ChangeLog {
  /** Appends an entry and returns its sequence number (strictly increasing across all processes). */
  append(namespace: string, key: string): Promise<number>;
  /**
   * Appends one entry per key (in order) in as few round trips as the backend allows (one transaction on
   * SQL); returns their seqs, strictly increasing in the order of `keys`.
   */
  appendMany(namespace: string, keys: string[]): Promise<number[]>;
  /** Entries with seq > after, oldest first, at most `limit` (default 1000). */
  since(after: number, limit?: number): Promise<ChangeEntry[]>;
  /** Highest assigned seq, 0 when none. */
  head(): Promise<number>;
  /**
   * Cheap wake-up when another process may have appended (Redis stream, Postgres NOTIFY, SQLite
   * `PRAGMA data_version` polled every ~250 ms). Consumers then read with since(). Returns unsubscribe.
   */
  watch(onChange: () => void): () => void;
  /** Lowest seq still kept (older entries were trimmed by retention), 0 when the log holds none. */
  oldest?(): Promise<number>;
  /**
   * since(), plus whether entries after `after` were already trimmed away: `truncated` means the reader fell
   * behind the retained window and must rebuild from the namespaces instead of trusting the entries.
   */
  readSince?(after: number, limit?: number): Promise<ChangeWindow>;
  /** Trims by the retention now (append does it at most every `trimEveryMs`); resolves to how many entries went. */
  trim?(): Promise<number>;
}

export interface ChangeWindow {
  entries: ChangeEntry[];
  /** True when entries with seq > after were trimmed: the reader missed changes and must rebuild. */
  truncated: boolean;
  /** Every entry at or below this seq has been trimmed (0 when nothing ever was). */
  trimmedThrough: number;
}

/** How long the change log keeps entries; an entry goes once it is older than maxAgeMs OR beyond the newest maxEntries. */
export interface ChangeRetention {
  /** Default 7 days. */
  maxAgeMs?: number;
  /** Default 100,000. */
  maxEntries?: number;
  /** A process trims after an append at most this often. Default 5 minutes. */
  trimEveryMs?: number;
}

export interface ChangeEntry {
  seq: number;
  namespace: string;
  key: string;
}

/** Whether the store takes writes; /healthz turns unready when it does not. */
export interface StoreHealth {
  writable: boolean;
  lastWriteError?: string;
  /** Writes the store refused since it was opened. */
  writeFailures?: number;
}

/**
 * The one persistence handle every repository is built on. `kv(namespace)` gives a keyv namespace;
 * `claim` is the atomic "insert if absent" that keyv itself lacks, needed for exactly-once delivery.
 * Every write (kv namespaces, claims, putMany, changes.append) throws StoreWriteError when the backend
 * did not take it.
 */
export interface Store {
  readonly kind: StoreKind;
  readonly url: string;
  kv<V = unknown>(namespace: string): Keyv<V>;
  /** Pages of a namespace's rows, in key order. Values are decoded. No reach into keyv internals by callers. */
  scan<V = unknown>(namespace: string, opts?: { pageSize?: number; prefix?: string }): AsyncIterable<Array<{ key: string; value: V }>>;
  /** Writes many rows of a namespace in as few round trips as the backend allows (one transaction on SQL). */
  putMany<V = unknown>(namespace: string, entries: Array<{ key: string; value: V }>): Promise<void>;
  /** The store's change log: a store-assigned, strictly increasing sequence shared by every process. */
  readonly changes: ChangeLog;
  /** Atomically records `value` under `key` unless a claim already exists (generation 1). True when this call won. */
  claim(key: string, value: unknown): Promise<boolean>;
  /**
   * claim() for many keys in as few round trips as the backend allows (one transaction on SQL): one result
   * per entry, in order. A key repeated within the batch is won at most once (by its first entry).
   */
  claimMany(entries: Array<{ key: string; value: unknown }>): Promise<boolean[]>;
  getClaim<V = unknown>(key: string): Promise<V | undefined>;
  /** A claim's value with its generation, for compare-and-set with updateClaimIf. */
  readClaim<V = unknown>(key: string): Promise<{ value: V; generation: number } | undefined>;
  /** Replaces the claim's value only if its generation is still `generation`; then generation+1. False when it moved on. */
  updateClaimIf(key: string, generation: number, value: unknown): Promise<boolean>;
  /** Overwrites an existing claim's value unconditionally (and moves its generation on). */
  updateClaim(key: string, value: unknown): Promise<void>;
  /** Lists claims whose key starts with `prefix`. */
  listClaims<V = unknown>(prefix: string): Promise<Array<{ key: string; value: V }>>;
  /** Deletes claims under `prefix` made before `olderThan`; returns how many. Keeps the ledger bounded. */
  pruneClaims(prefix: string, olderThan: Date): Promise<number>;
  /** Whether writes are being taken (for /healthz). */
  health(): StoreHealth;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Clock for claim timestamps (ms since epoch); the app passes its injectable clock. */
  now?: () => number;
  /** Where refused writes are logged. */
  logger?: Logger;
  /**
   * SQLite only: extra PRAGMAs for the store's connection, run after the schema is in place, e.g.
   * `{ max_page_count: 250_000 }` to cap the file's size or `{ query_only: 1 }` to refuse every write.
   */
  sqlitePragmas?: Record<string, string | number>;
  /** Retention of the change log (see ChangeRetention for the defaults). */
  changeRetention?: ChangeRetention;
}
