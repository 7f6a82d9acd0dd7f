/** A titled block of a report: `heading` is null for the lead/untitled opening. */
export interface ReportSection {
  heading: string | null;
  paragraphs: string[];
}

export interface SeriesInfo {
  name?: string;
  issn?: string;
  volume?: string;
  issue?: string;
}

export type ReportOrigin =
  /** `size`/`mtimeMs`: the file's stat when parsed, so an untouched file is not parsed again (optional). */
  | { kind: 'file'; path: string; size?: number; mtimeMs?: number }
  | { kind: 'feed'; feedId: string; feedUrl: string; guid?: string }
  | { kind: 'url'; url: string };

/** The one model of a report that flows through ingestion, analysis, commands and briefings. */
export interface Report {
  /** Stable slug, e.g. `specialeurasia-china-russia-belarus-defence-2023`. */
  id: string;
  title: string;
  /** Publisher or site name, e.g. `SpecialEurasia`. */
  source: string;
  url?: string;
  authors: string[];
  /** ISO 8601 timestamp of the publisher's date, when the page or feed gives one (never the ingestion time). */
  publishedAt?: string;
  /** ISO 8601 timestamp of the publisher's last modification, when given (`updatedAt` is our own change time). */
  modifiedAt?: string;
  /** BCP-47-ish primary language code detected from the text ('en', 'fr', 'de', 'ja'…), when known. */
  language?: string;
  /** A leading dateline moved out of the lead ("LONDON", "MOSCOW (AP)"), when there was one. */
  dateline?: string;
  /** Other normalised URLs that identify the same article (canonical, og:url, the fetched URL, a feed item's link). */
  altUrls?: string[];
  series?: SeriesInfo;
  tags: string[];
  regions: string[];
  /** Standfirst / dek / abstract given by the publisher, if any (not invented). */
  standfirst?: string;
  /** Image caption or credit lines removed from the body, kept as metadata. */
  captions?: string[];
  sections: ReportSection[];
  /** Body as plain text: sections joined, headings on their own lines, no metadata or boilerplate. */
  text: string;
  /** sha256 hex of the normalised content (title + text); changes when the content changes. */
  contentHash: string;
  /** ISO 8601 timestamp of the first ingestion; kept when the report is updated. */
  ingestedAt: string;
  /** ISO 8601 timestamp of the last content change. */
  updatedAt: string;
  origin: ReportOrigin;
  /**
   * True for items recorded by a feed's first poll (its backlog). They are searchable like any report,
   * but briefings and "new report" announcements skip them so adding a feed never floods a channel.
   */
  backfill?: boolean;
  /** Store-assigned ingest sequence of the report's last create/update (see ChangeLog); set by the library. */
  seq?: number;
  /** Who may see it: the operator library (briefs/, CLI ingest — every server) or the servers whose sources brought it. */
  scope?: ReportScope;
  /** Feeds that brought this report: it is visible to each one's followers (see library/tenancy.ts). */
  feedIds?: string[];
}

export type ReportScope = { kind: 'operator' } | { kind: 'guilds'; guildIds: string[] };

/** Metadata of every report (no text/sections), as the library's in-memory reads return it. */
export type ReportMeta = Omit<Report, 'text' | 'sections'>;

/** Sort key used everywhere "latest" matters: published date when known, else ingestion time. */
export function reportDate(report: Pick<Report, 'publishedAt' | 'ingestedAt'>): string {
  return report.publishedAt ?? report.ingestedAt;
}
