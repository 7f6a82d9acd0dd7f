import type { App } from '../app.ts';
import type { Choice } from '../core/reply.ts';
import { UserError } from '../core/errors.ts';
import { reportDate, type Report, type ReportMeta } from '../reports/types.ts';
import { trimText } from './format.ts';

/** The most choices Discord accepts in one autocomplete answer. */
export const MAX_CHOICES = 25;
/** Discord's limit for a choice name and value; titles are trimmed, ids always fit. */
const CHOICE_CHARS = 100;

/** Finds the report a person meant (id, exact title or a unique title match) or explains what to do. */
export async function resolveReportOption(app: App, value: string): Promise<Report> {
  const found = await app.reports.resolve(value.trim());
  const report = found && (await app.reports.load(found.id));
  if (!report) {
    const close = (await app.reports.suggest(value.trim(), 3)).map((s) => `“${trimText(s.title, 60)}”`);
    throw new UserError(`No report matches “${trimText(value, 80)}”.${close.length ? ` Did you mean ${close.join(', ')}?` : ''} Try /report search.`, 'unknown_report');
  }
  return report;
}

/** The full reports (with text, read from the store) for library metadata, in order; missing ones left out. */
export async function fullReports(app: App, metas: ReportMeta[]): Promise<Report[]> {
  return (await Promise.all(metas.map((m) => app.reports.load(m.id)))).filter((r): r is Report => r !== undefined);
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
 * Reports of the last `days` days by their date (published, else added), newest first. When there are
 * none, the most recent reports instead, flagged `fallback`, so the overview is never empty for a
 * library that is simply quiet this week.
 */
export async function recentReports(
  app: App,
  days: number,
  limit: number,
): Promise<{ reports: Report[]; total: number; fallback: boolean }> {
  const since = new Date(app.clock.now().getTime() - days * 86_400_000).toISOString();
  const recent: ReportMeta[] = [];
  // list() is newest first by reportDate, so the window is a prefix of it.
  for (const report of await app.reports.list({})) {
    if (reportDate(report) < since) break;
    recent.push(report);
  }
  // Only the reports shown are read in full (text lives in the store).
  const full = (metas: ReportMeta[]) => fullReports(app, metas);
  if (recent.length > 0) return { reports: await full(recent.slice(0, limit)), total: recent.length, fallback: false };
  const latest = await full(await app.reports.list({ limit: Math.min(limit, FALLBACK_REPORTS) }));
  return { reports: latest, total: latest.length, fallback: true };
}

const FALLBACK_REPORTS = 10;
