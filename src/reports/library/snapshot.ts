import { hash, randomUUID } from 'node:crypto';
import type { Logger } from '../../logger.ts';
import type { Store } from '../../store/index.ts';
import type { ReportMeta } from '../types.ts';
import { metadataKey } from './identity.ts';
import { INDEX_FORMAT, type IndexJS, SearchIndex } from './search-index.ts';

/**
 * The search index saved in the store, so a start-up reads it instead of re-tokenising every report.
 * It records a fingerprint of every report it was built from; on load, only reports whose fingerprint
 * differs (changed, added) are re-indexed and reports no longer stored are dropped. The index itself is
 * MiniSearch's public `toJSON`/`loadJS` format, stored in parts.
 */

/** Where the snapshot lives (its own namespace, so listing reports never reads it). */
const NAMESPACE = 'reports-index';
const KEY = 'snapshot';
const PART_PREFIX = 'part:';
/** Terms per stored part: each part is serialised on its own, so saving never holds the whole index as one string. */
const TERMS_PER_PART = 5_000;
/** Below this many reports, rebuilding the index is quicker than reading a snapshot. */
export const SNAPSHOT_MIN_REPORTS = 200;

/**
 * The header row. The index's terms are in `parts` rows (`part:<generation>:<n>`) written before the
 * header, so a reader never sees a header whose parts are missing; the previous generation's parts are
 * deleted after the new header is in place.
 */
interface StoredSnapshot {
  format: string;
  /** Report id → fingerprint of the report the index was built from. */
  rows: Record<string, string>;
  /** MiniSearch's serialised index without its terms (`index: []`). */
  header: IndexJS;
  generation: string;
  parts: number;
}

/** Changes whenever what is indexed for a report may have changed (content, metadata, or a new write). */
export function fingerprint(report: ReportMeta): string {
  return `${report.seq ?? ''}|${report.contentHash}|${hash('sha1', metadataKey(report), 'base64')}`;
}

const partKey = (generation: string, n: number) => `${PART_PREFIX}${generation}:${n}`;

export async function readSnapshot(store: Store, logger: Logger): Promise<{ rows: Record<string, string>; index: SearchIndex } | undefined> {
  try {
    const kv = store.kv<unknown>(NAMESPACE);
    const snapshot = (await kv.get(KEY)) as StoredSnapshot | undefined;
    if (
      !snapshot ||
      snapshot.format !== INDEX_FORMAT ||
      !snapshot.rows ||
      typeof snapshot.rows !== 'object' ||
      !snapshot.header ||
      typeof snapshot.generation !== 'string'
    )
      return undefined;
    const terms: IndexJS['index'] = [];
    for (let n = 0; n < snapshot.parts; n++) {
      const part = (await kv.get(partKey(snapshot.generation, n))) as IndexJS['index'] | undefined;
      if (!Array.isArray(part)) throw new Error(`part ${n} of the snapshot is missing`);
      for (const term of part) terms.push(term);
    }
    return { rows: snapshot.rows, index: SearchIndex.fromJS({ ...snapshot.header, index: terms }) };
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'search index snapshot unreadable; rebuilding the index');
    return undefined;
  }
}

/** `rows` and `index` must describe the same reports (taken in one synchronous step by the caller). */
export async function writeSnapshot(store: Store, rows: Record<string, string>, index: IndexJS): Promise<void> {
  const kv = store.kv<unknown>(NAMESPACE);
  const generation = randomUUID();
  const { index: terms, ...rest } = index;
  let parts = 0;
  for (let from = 0; from < terms.length; from += TERMS_PER_PART) await kv.set(partKey(generation, parts++), terms.slice(from, from + TERMS_PER_PART));
  await kv.set(KEY, { format: INDEX_FORMAT, rows, header: { ...rest, index: [] }, generation, parts } satisfies StoredSnapshot);
  // Parts of earlier generations (and of a save that died half-way) go once the new header is in place.
  const stale: string[] = [];
  for await (const page of store.scan(NAMESPACE, { prefix: PART_PREFIX, pageSize: 200 })) {
    for (const { key } of page) if (!key.startsWith(`${PART_PREFIX}${generation}:`)) stale.push(key);
  }
  if (stale.length) await kv.deleteMany(stale);
}
