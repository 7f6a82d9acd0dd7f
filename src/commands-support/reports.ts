import type { App } from '../app.ts';
import type { Choice } from '../core/reply.ts';
import { UserError } from '../core/errors.ts';
import type { Report } from '../reports/types.ts';
import { trimText } from './format.ts';

/** The most choices Discord accepts in one autocomplete answer. */
export const MAX_CHOICES = 25;
/** Discord's limit for a choice name and value; titles are trimmed, ids always fit. */
const CHOICE_CHARS = 100;

/** Finds the report a person meant (id, exact title or a unique title match) or explains what to do. */
export async function resolveReportOption(app: App, value: string): Promise<Report> {
  const report = await app.reports.resolve(value.trim());
  if (!report) throw new UserError(`No report matches “${trimText(value, 80)}”. Try /report search.`, 'unknown_report');
  return report;
}

/** Autocomplete on report titles: the value is the report id, so the command gets an exact match. */
export async function reportChoices(app: App, typed: string): Promise<Choice[]> {
  const suggestions = await app.reports.suggest(typed.trim(), MAX_CHOICES);
  return suggestions.slice(0, MAX_CHOICES).map((s) => ({ name: trimText(s.title, CHOICE_CHARS - 1), value: s.id.slice(0, CHOICE_CHARS) }));
}

export function filterChoices(values: readonly string[], typed: string): Choice[] {
  const query = typed.trim().toLowerCase();
  const starts: string[] = [];
  const contains: string[] = [];
  for (const value of values) {
    const lower = value.toLowerCase();
    if (!query || lower.startsWith(query)) starts.push(value);
    else if (lower.includes(query)) contains.push(value);
  }
  return [...starts, ...contains].slice(0, MAX_CHOICES).map((value) => ({ name: value.slice(0, CHOICE_CHARS), value: value.slice(0, CHOICE_CHARS) }));
}

/**
 * Reports published or added in the last `days` days, newest first. Both dates count: a feed's
 * article from this week and a report added to the library this week are both "recent" to readers.
 */
export async function recentReports(app: App, days: number, limit: number): Promise<{ reports: Report[]; total: number }> {
  const since = new Date(app.clock.now().getTime() - days * 86_400_000);
  const candidates = await app.reports.list({ limit: 10_000, since: since.toISOString() });
  const sinceIso = since.toISOString();
  const recent = candidates.filter((r) => r.ingestedAt >= sinceIso || (r.publishedAt !== undefined && r.publishedAt >= sinceIso));
  recent.sort((a, b) => latestOf(b).localeCompare(latestOf(a)));
  return { reports: recent.slice(0, limit), total: recent.length };
}

function latestOf(report: Report): string {
  return report.publishedAt && report.publishedAt > report.ingestedAt ? report.publishedAt : report.ingestedAt;
}
