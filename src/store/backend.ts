import type { KeyvStoreAdapter } from 'keyv';
import type { ChangeEntry, ChangeWindow } from './types.ts';

/** A stored row as keyv serialised it; `key` is without the namespace. */
export interface RawRow {
  key: string;
  raw: string;
}

/** What each backend (sqlite.ts, redis.ts, postgres.ts) provides; index.ts builds the Store on it. */
export interface Backend {
  /** The keyv adapter for a namespace. */
  adapter(namespace: string): KeyvStoreAdapter;
  /** Whether keyv prefixes keys with `namespace:` (SQL tables) or the adapter does it itself (Redis). */
  readonly useKeyPrefix: boolean;
  /** Throws (a StoreWriteError) when the backend must not take writes any more. Cheap: runs before every write. */
  checkWritable(): void;
  /** Why writes cannot succeed right now although nothing was refused yet (e.g. the connection is down); for health(). */
  connectionProblem?(): string | undefined;
  /** The backend knew at open that it cannot write (e.g. a read-only SQLite file). */
  readonly readOnly: boolean;
  /** A namespace's rows whose key starts with `prefix`, in key order, `pageSize` at a time. */
  scan(namespace: string, prefix: string, pageSize: number): AsyncIterable<RawRow[]>;
  claim(key: string, json: string): Promise<boolean>;
  /** Many claims at once, keys distinct (the store dedupes); without it the store sends them concurrently. */
  claimMany?(entries: Array<{ key: string; json: string }>): Promise<boolean[]>;
  readClaim(key: string): Promise<{ json: string; generation: number } | undefined>;
  updateClaim(key: string, json: string): Promise<void>;
  updateClaimIf(key: string, generation: number, json: string): Promise<boolean>;
  listClaims(prefix: string): Promise<Array<{ key: string; value: string }>>;
  pruneClaims(prefix: string, olderThanMs: number): Promise<number>;
  readonly changes: BackendChangeLog;
  close(): Promise<void>;
}

/** The smallest string greater than every string that starts with `prefix` (code-point order = UTF-8 byte order). */
export function prefixEnd(prefix: string): string {
  const points = [...prefix];
  const last = points.pop();
  if (last === undefined) return '\u{10FFFF}';
  const next = last.codePointAt(0)! + 1;
  return points.join('') + String.fromCodePoint(next === 0xd800 ? 0xe000 : Math.min(next, 0x10ffff));
}

/** The change log as each backend keeps it; index.ts adds checked writes and the trim schedule. */
export interface BackendChangeLog {
  append(namespace: string, key: string): Promise<number>;
  /** Many entries, seqs increasing in order; without it the store sends the appends one after another, pipelined. */
  appendMany?(namespace: string, keys: string[]): Promise<number[]>;
  since(after: number, limit?: number): Promise<ChangeEntry[]>;
  head(): Promise<number>;
  watch(onChange: () => void): () => void;
  oldest(): Promise<number>;
  /** Entries after `after` and the trim watermark, read together (one snapshot). */
  readSince(after: number, limit: number): Promise<ChangeWindow>;
  /**
   * Deletes the oldest entries: every entry older than `olderThanMs` up to the first younger one, and every
   * entry beyond the newest `maxEntries`; moves the watermark. Returns how many entries were deleted.
   */
  trim(olderThanMs: number, maxEntries: number): Promise<number>;
}

/** The watermark a readSince reports: truncated when some entry above `after` is at or below it. */
export function changeWindow(entries: ChangeEntry[], after: number, trimmedThrough: number): ChangeWindow {
  return { entries, truncated: after < trimmedThrough, trimmedThrough };
}
