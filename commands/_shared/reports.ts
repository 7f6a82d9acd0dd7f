import type { CommandServices } from '../../src/core/command.ts';
import type { Choice } from '../../src/core/reply.ts';
import { UserError } from '../../src/core/errors.ts';
import type { Report, ReportMeta } from '../../src/reports/types.ts';
import { reportDate } from '../../src/presentation/reports.ts';
import { quoted, trimText } from '../../src/presentation/text.ts';
import { libraryFor, type LibraryView } from './library.ts';

/** The most choices Discord accepts in one autocomplete answer. */
export const MAX_CHOICES = 25;
/** Discord's limit for a choice name and value; titles are trimmed, ids always fit. */
const CHOICE_CHARS = 100;
const SUGGESTIONS = 3;

/**
 * Finds the report a person meant (id, exact title or a close title match) or explains what to do, with
 * the closest titles as suggestions: never an arbitrary report.
 */
export async function resolveReportOption(services: Pick<CommandServices, 'reports'>, view: LibraryView, value: string): Promise<Report> {
  const library = libraryFor(services, view);
  const exact = exactReportId(value);
  if (exact !== undefined) {
    // A button's id names one report: that one, as this server sees it, or "not found" (never a look-alike).
    const meta = library.get(exact);
    if (!meta) throw new UserError('Report not found: it is not in the library here (it may have been removed). Try /report search.', 'unknown_report');
    return library.full(meta);
  }
  const report = await library.resolve(value.trim());
  if (report) return library.full(report);
  const suggestions = (await library.search(value.trim(), { limit: SUGGESTIONS })).map((r) => `${quoted(r.title, 70)} (id ${r.id})`);
  const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.join(', or ')}?` : '';
  throw new UserError(`No report matches ${quoted(value)}.${hint} Try /report search.`, 'unknown_report');
}

const EXACT_PREFIX = 'id:';

/** The option value a button passes: `id:<report id>`, resolved by id only. */
export const exactReport = (id: string): string => `${EXACT_PREFIX}${id}`;

function exactReportId(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed.toLowerCase().startsWith(EXACT_PREFIX) ? trimmed.slice(EXACT_PREFIX.length).trim() : undefined;
}

/** Autocomplete on report titles: the value is the report id, so the command gets an exact match. */
export async function reportChoices(services: Pick<CommandServices, 'reports'>, view: LibraryView, typed: string): Promise<Choice[]> {
  const suggestions = await libraryFor(services, view).suggest(typed.trim(), MAX_CHOICES);
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

const FALLBACK_REPORTS = 10;

/**
 * Reports of the last `days` days by their date (published, else added), newest first. When there are
 * none, the most recent reports instead, flagged `fallback`, so the overview is never empty for a
 * library that is simply quiet this week.
 */
export async function recentReports(
  services: Pick<CommandServices, 'reports' | 'clock'>,
  view: LibraryView,
  days: number,
  limit: number,
): Promise<{ reports: Report[]; total: number; fallback: boolean }> {
  const library = libraryFor(services, view);
  const since = new Date(services.clock.now().getTime() - days * 86_400_000).toISOString();
  const recent: ReportMeta[] = [];
  // list() is newest first by reportDate, so the window is a prefix of it.
  for (const report of await library.list({})) {
    if (reportDate(report) < since) break;
    recent.push(report);
  }
  // Only the reports shown are read in full.
  if (recent.length > 0) return { reports: await library.fullMany(recent.slice(0, limit)), total: recent.length, fallback: false };
  const latest = await library.fullMany(library.list({ limit: Math.min(limit, FALLBACK_REPORTS) }));
  return { reports: latest, total: latest.length, fallback: true };
}
