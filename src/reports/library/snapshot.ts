import { hash } from 'node:crypto';
import type { Logger } from '../../logger.ts';
import type { Store } from '../../store/index.ts';
import type { ReportMeta } from '../types.ts';
import { metadataKey } from './identity.ts';
import { INDEX_FORMAT, SearchIndex } from './search-index.ts';

/**
 * The search index saved in the store, so a start-up reads it instead of re-tokenising every report.
 * It records a fingerprint of every report it was built from; on load, only reports whose fingerprint
 * differs (changed, added) are re-indexed and reports no longer stored are dropped. The index itself is
 * MiniSearch's public `toJSON`/`loadJSON` format.
 */

/** Where the snapshot lives (its own namespace, so listing reports never reads it). */
const NAMESPACE = 'reports-index';
const KEY = 'snapshot';
/** Below this many reports, rebuilding the index is quicker than reading a snapshot. */
export const SNAPSHOT_MIN_REPORTS = 200;

interface StoredSnapshot {
  format: string;
  /** Report id → fingerprint of the report the index was built from. */
  rows: Record<string, string>;
  /** MiniSearch's JSON serialisation of the index. */
  index: string;
}

/** Changes whenever what is indexed for a report may have changed (content, metadata, or a new write). */
export function fingerprint(report: ReportMeta): string {
  return `${report.seq ?? ''}|${report.contentHash}|${hash('sha1', metadataKey(report), 'base64')}`;
}

export async function readSnapshot(store: Store, logger: Logger): Promise<{ rows: Record<string, string>; index: SearchIndex } | undefined> {
  try {
    const snapshot = (await store.kv<StoredSnapshot>(NAMESPACE).get(KEY)) as StoredSnapshot | undefined;
    if (!snapshot || snapshot.format !== INDEX_FORMAT || !snapshot.rows || typeof snapshot.rows !== 'object' || typeof snapshot.index !== 'string') return undefined;
    return { rows: snapshot.rows, index: SearchIndex.fromJSON(snapshot.index) };
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'search index snapshot unreadable; rebuilding the index');
    return undefined;
  }
}

/** `rows` and `index` must describe the same reports (taken in one synchronous step by the caller). */
export async function writeSnapshot(store: Store, rows: Record<string, string>, index: string): Promise<void> {
  await store.kv<StoredSnapshot>(NAMESPACE).set(KEY, { format: INDEX_FORMAT, rows, index });
}
