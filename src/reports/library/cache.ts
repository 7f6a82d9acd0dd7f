import { reportDate, type Report, type ReportMeta } from '../types.ts';
import { normaliseUrl } from '../urls.ts';
import { identityUrls } from './identity.ts';

/** What the library keeps of a report in memory: everything but the text and sections. */
export function toMeta(report: Report | ReportMeta): ReportMeta {
  if (!('text' in report) && !('sections' in report)) return report;
  const { text: _text, sections: _sections, ...meta } = report as Report;
  return meta;
}

/**
 * The library's memory: every report's metadata, with the lookups and orders reads need (identity URL →
 * id, file path → id, lower-cased titles, newest-first and seq orders), kept in step on every change.
 */
export class ReportCache {
  private readonly reports = new Map<string, ReportMeta>();
  /** Normalised identity URL → id (see identity.ts). */
  private readonly byUrl = new Map<string, string>();
  /** File path → id, built on first use. */
  private byPath: Map<string, string> | undefined;
  /** Lower-cased titles, so autocomplete does not lower-case every title on every keystroke. */
  private readonly lowerTitles = new Map<string, string>();
  private sorted: ReportMeta[] | undefined;
  private bySeq: ReportMeta[] | undefined;

  get size(): number {
    return this.reports.size;
  }

  get(id: string): ReportMeta | undefined {
    return this.reports.get(id);
  }

  has(id: string): boolean {
    return this.reports.has(id);
  }

  values(): IterableIterator<ReportMeta> {
    return this.reports.values();
  }

  clear(): void {
    this.reports.clear();
    this.byUrl.clear();
    this.byPath = undefined;
    this.lowerTitles.clear();
    this.invalidate();
  }

  /** Keeps the report's metadata (its text, if given, is dropped). */
  remember(report: Report | ReportMeta): void {
    const previous = this.reports.get(report.id);
    if (previous) for (const url of identityUrls(previous)) if (this.byUrl.get(url) === report.id) this.byUrl.delete(url);
    const meta = toMeta(report);
    this.reports.set(meta.id, meta);
    if (meta.origin.kind === 'file') this.byPath?.set(meta.origin.path, meta.id);
    this.lowerTitles.set(meta.id, meta.title.toLowerCase());
    for (const url of identityUrls(meta)) this.byUrl.set(url, meta.id);
    this.invalidate();
  }

  /** False when there was no such report. */
  forget(id: string): boolean {
    const report = this.reports.get(id);
    if (!report) return false;
    this.reports.delete(id);
    this.lowerTitles.delete(id);
    for (const url of identityUrls(report)) if (this.byUrl.get(url) === id) this.byUrl.delete(url);
    this.invalidate();
    return true;
  }

  private invalidate(): void {
    this.sorted = undefined;
    this.bySeq = undefined;
  }

  /** The report one of whose identities is this URL (normalised here). */
  byIdentity(url: string, normalised = false): ReportMeta | undefined {
    const id = this.byUrl.get(normalised ? url : normaliseUrl(url));
    return id === undefined ? undefined : this.reports.get(id);
  }

  lowerTitle(id: string): string | undefined {
    return this.lowerTitles.get(id);
  }

  /** The report ingested from this file path, if any. */
  findByPath(path: string): ReportMeta | undefined {
    if (!this.byPath) {
      this.byPath = new Map();
      for (const r of this.reports.values()) if (r.origin.kind === 'file') this.byPath.set(r.origin.path, r.id);
    }
    const id = this.byPath.get(path);
    const report = id ? this.reports.get(id) : undefined;
    return report?.origin.kind === 'file' && report.origin.path === path ? report : undefined;
  }

  /** Newest first by published date (ingestion time when unknown). */
  newestFirst(): ReportMeta[] {
    this.sorted ??= [...this.reports.values()].sort((a, b) => {
      const d = reportDate(b).localeCompare(reportDate(a));
      return d !== 0 ? d : b.ingestedAt.localeCompare(a.ingestedAt) || a.id.localeCompare(b.id);
    });
    return this.sorted;
  }

  /** Reports with a seq, in seq order. */
  seqOrder(): ReportMeta[] {
    this.bySeq ??= [...this.reports.values()].filter((r) => r.seq !== undefined).sort((a, b) => a.seq! - b.seq!);
    return this.bySeq;
  }
}
