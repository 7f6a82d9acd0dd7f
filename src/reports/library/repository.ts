import type { ChangeWindow, Store } from '../../store/index.ts';
import { fromStored, toStored, type StoredReport } from '../report-codec.ts';
import type { Report } from '../types.ts';
import { identityClaim, sameArticle, type IdentityClaim } from './identity.ts';

/**
 * Reports in the store: the `reports` namespace (one row per report, in the stored form of
 * report-codec.ts), the change-log entries that tell every process about a write, and the claims that
 * give each report id to exactly one article across processes. Only the Store's public API is used.
 */

export const REPORTS_NAMESPACE = 'reports';
const ID_CLAIM_PREFIX = 'report-id:';
const PAGE = 1_000;

export class ReportRepository {
  constructor(private readonly store: Store) {}

  private get kv() {
    return this.store.kv<StoredReport>(REPORTS_NAMESPACE);
  }

  /** Every stored report, page by page. Rows that are not reports are skipped. */
  async *scan(): AsyncGenerator<Report[]> {
    for await (const page of this.store.scan<StoredReport>(REPORTS_NAMESPACE, { pageSize: PAGE })) {
      const reports: Report[] = [];
      for (const { value } of page) {
        const report = fromStored(value);
        if (report) reports.push(report);
      }
      yield reports;
    }
  }

  async read(id: string): Promise<Report | undefined> {
    return fromStored(await this.kv.get(id));
  }

  async readMany(ids: string[]): Promise<Array<Report | undefined>> {
    if (ids.length === 0) return [];
    const values = await this.kv.getMany(ids);
    return values.map((v) => fromStored(v));
  }

  async write(reports: Report[]): Promise<void> {
    await this.store.putMany(
      REPORTS_NAMESPACE,
      reports.map((r) => ({ key: r.id, value: toStored(r) })),
    );
  }

  async remove(id: string): Promise<void> {
    await this.kv.delete(id);
  }

  /** Tells every process that report `id` was written or deleted; returns the change's seq. */
  announce(id: string): Promise<number> {
    return this.store.changes.append(REPORTS_NAMESPACE, id);
  }

  /**
   * Claims `id` for this article. `won`: the id is ours; `same`: another writer holds it for the same
   * article (so this is an update of that report); `taken`: a different article holds it.
   */
  async claimId(id: string, report: Report): Promise<'won' | 'same' | 'taken'> {
    const mine = identityClaim(report);
    if (await this.store.claim(`${ID_CLAIM_PREFIX}${id}`, mine)) return 'won';
    const theirs = await this.store.getClaim<IdentityClaim>(`${ID_CLAIM_PREFIX}${id}`);
    return theirs && Array.isArray(theirs.urls) && sameArticle(mine, theirs) ? 'same' : 'taken';
  }

  /**
   * Claims many new reports' ids in one store round (see claimId): true where the id is now this
   * report's. A false needs claimId to tell `same` from `taken`.
   */
  claimIds(reports: Report[]): Promise<boolean[]> {
    return this.store.claimMany(reports.map((report) => ({ key: `${ID_CLAIM_PREFIX}${report.id}`, value: identityClaim(report) })));
  }

  /** announce() for many reports at once; their seqs, in order. */
  announceMany(ids: string[]): Promise<number[]> {
    return this.store.changes.appendMany(REPORTS_NAMESPACE, ids);
  }

  /** The change log's position now (read before a full scan, so writes during it are caught up later). */
  head(): Promise<number> {
    return this.store.changes.head();
  }

  /** Entries after `after`; `truncated` when retention trimmed some of them away (the reader must rescan). */
  async readSince(after: number, limit: number): Promise<ChangeWindow> {
    const changes = this.store.changes;
    if (changes.readSince) return changes.readSince(after, limit);
    return { entries: await changes.since(after, limit), truncated: false, trimmedThrough: 0 };
  }

  watch(onChange: () => void): () => void {
    return this.store.changes.watch(onChange);
  }
}
