import type { Card, CardAction, CardField } from '../core/reply.ts';
import type { Report } from '../reports/types.ts';

/** The date reports are ordered and shown by: published when known, else added (commands sort and window by it). */
export { reportDate } from '../reports/types.ts';
import { formatDate } from './dates.ts';
import { trimText } from './text.ts';

/** How reports are named on every card: their lead, their date, their language. */

const LEAD_MAX_CHARS = 600;
/** Title characters in a named button label (Discord allows 80 in all). */
const NAMED_LABEL_CHARS = 60;

/** The standfirst when the publisher gave one, else the first paragraph of the body, trimmed. */
export function reportLead(report: Pick<Report, 'standfirst' | 'sections' | 'text'>, max = LEAD_MAX_CHARS): string | undefined {
  const first = report.standfirst?.trim() || (report.sections ?? []).flatMap((section) => section.paragraphs).find((p) => p.trim().length > 0);
  const fallback = first ?? (report.text ?? '').split(/\n\s*\n/).find((p) => p.trim().length > 0);
  return fallback ? trimText(fallback, max) : undefined;
}

/** "14 Aug 2023" for a dated report; "undated, added 27 Nov 2026" when the publisher gave no date. */
export function reportDateLabel(report: Pick<Report, 'publishedAt' | 'ingestedAt'>, timeZone = 'UTC'): string {
  const published = formatDate(report.publishedAt, timeZone);
  if (published) return published;
  const added = formatDate(report.ingestedAt, timeZone);
  return added ? `undated, added ${added}` : 'undated';
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });

/** "French (fr)" for a report not in English; undefined for English or an unknown language. */
export function reportLanguage(report: object): string | undefined {
  const code = (report as { language?: unknown }).language;
  if (typeof code !== 'string' || !code.trim() || code.toLowerCase() === 'en' || code.toLowerCase().startsWith('en-')) return undefined;
  let name: string | undefined;
  try {
    name = languageNames.of(code);
  } catch {
    name = undefined;
  }
  return name && name !== code ? `${name} (${code})` : code;
}

function seriesLine(report: Pick<Report, 'series'>): string | undefined {
  const series = report.series;
  if (!series) return undefined;
  const parts = [
    series.name,
    series.issn ? `ISSN ${series.issn}` : undefined,
    series.volume ? `Volume ${series.volume}` : undefined,
    series.issue ? `Issue ${series.issue}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/** "SpecialEurasia · 14 Aug 2023": the author line of summary and actor cards. */
export function sourceLine(report: Pick<Report, 'source' | 'publishedAt' | 'ingestedAt'>): string {
  return [report.source, reportDateLabel(report)].filter(Boolean).join(' · ');
}

/**
 * Summary, Key actors and a link to the original: what a reader can do from a report card. `named` puts
 * the title in the Summary label, for messages where several cards' buttons stack (briefings).
 */
export function reportActions(report: Pick<Report, 'id' | 'url' | 'title'>, options: { named?: boolean } = {}): CardAction[] {
  const actions: CardAction[] = [
    { kind: 'action', label: options.named ? `Summary: ${trimText(report.title, NAMED_LABEL_CHARS)}` : 'Summary', action: 'summary', args: [report.id] },
    { kind: 'action', label: 'Key actors', action: 'actors', args: [report.id] },
  ];
  if (report.url) actions.push({ kind: 'link', label: 'Original', url: report.url });
  return actions;
}

export function reportCard(report: Report, options: { lead?: boolean; actions?: boolean } = {}): Card {
  const fields: CardField[] = [];
  fields.push({
    name: report.authors.length > 1 ? 'Authors' : 'Author',
    value: report.authors.length > 0 ? report.authors.join(', ') : 'Not stated',
    inline: true,
  });
  fields.push({ name: 'Published', value: reportDateLabel(report), inline: true });
  const language = reportLanguage(report);
  if (language) fields.push({ name: 'Language', value: language, inline: true });
  const series = seriesLine(report);
  if (series) fields.push({ name: 'Series', value: series, inline: true });
  const topics = [...new Set([...report.regions, ...report.tags])];
  if (topics.length > 0) fields.push({ name: 'Topics', value: topics.slice(0, 12).join(', ') });
  const lead = options.lead === false ? undefined : reportLead(report);
  return {
    title: report.title,
    url: report.url,
    author: report.source,
    description: lead,
    fields,
    footer: `Report id: ${report.id}`,
    timestamp: report.publishedAt,
    ...(options.actions === false ? {} : { actions: reportActions(report) }),
  };
}
