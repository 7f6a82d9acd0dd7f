import { errorMessage } from '../core/errors.ts';
import type { Report } from '../reports/types.ts';
import type { Summary } from './types.ts';

/**
 * The publisher's standfirst, or the first sentence of the text: what a report shows when its analysis
 * failed, so one report the engine chokes on never holds back a briefing.
 */
export function leadSummary(report: Report, error: unknown): Summary {
  const text = report.text.trim();
  const lead = report.standfirst?.trim() || (/^.+?[.!?](?=\s|$)/s.exec(text)?.[0] ?? text.slice(0, 300)).trim();
  return {
    reportId: report.id,
    length: 'brief',
    sentences: [{ text: lead, index: 0 }],
    text: lead,
    engine: { engine: 'offline', version: 'lead', fallback: { from: 'offline', reason: errorMessage(error) } },
  };
}
