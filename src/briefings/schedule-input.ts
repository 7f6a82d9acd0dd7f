import { CronExpressionParser } from 'cron-parser';
import cronstrue from 'cronstrue';
import { UserError, errorMessage } from '../core/errors.ts';
import { nextOccurrence } from './schedule.ts';
import type { Schedule } from './types.ts';
import { editDistance } from '../core/text.ts';
import { timeZones } from '../core/time-zones.ts';

/**
 * What a moderator types for a schedule, checked and normalised: times (24- and 12-hour), cron
 * expressions and macros, IANA timezones (abbreviations are answered with the zones they may mean).
 */

/** A briefing more often than hourly would flood a channel; nobody wants a "briefing" every minute. */
export const MIN_INTERVAL_MS = 60 * 60 * 1000;

export const TIME_MESSAGE =
  'Time must be HH:MM on the 24-hour clock (07:30, 20:00) or a 12-hour time (8:00 PM, 8pm, 8:30am) — or a 5-field cron expression such as "0 7 * * 1-5" for weekdays';

/** "7:30", "07:30", "8:00 PM", "8pm", "8:30 a.m." → "HH:MM"; anything else is a UserError with the formats. */
export function parseTime(input: string): string {
  const text = input.trim().toLowerCase();
  const h24 = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (h24) return `${h24[1]!.padStart(2, '0')}:${h24[2]}`;
  const h12 = /^(0?[1-9]|1[0-2])(?:[:.]([0-5]\d))?\s*([ap])\.?\s*m\.?$/.exec(text);
  if (h12) {
    const hour = (Number(h12[1]) % 12) + (h12[3] === 'p' ? 12 : 0);
    return `${String(hour).padStart(2, '0')}:${h12[2] ?? '00'}`;
  }
  throw new UserError(TIME_MESSAGE, 'invalid_time');
}

/** Cron macros (as in Vixie cron) a briefing may use; @hourly and @reboot are refused by name. */
const MACROS: Record<string, string> = {
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

export function isCronMacro(input: string): boolean {
  return input.trim().startsWith('@');
}

/**
 * Validates a 5-field cron expression (or macro) in `timezone`; returns it normalised. A schedule is accepted
 * only when no two runs of its whole cycle are closer than an hour: the first two runs are not enough
 * (`* 15,17 * * *` is two hours apart at 15:59 → 17:00 and then runs every minute).
 */
export function parseCron(input: string, timezone: string): string {
  const raw = input.trim().replace(/\s+/g, ' ');
  const lower = raw.toLowerCase();
  if (lower === '@hourly') {
    throw new UserError(
      '"@hourly" would post a briefing every hour; use a time (e.g. 07:30) or a cron with a few hours, e.g. "0 8,13,18 * * *"',
      'invalid_cron',
    );
  }
  if (lower.startsWith('@') && !MACROS[lower]) {
    throw new UserError(
      `Unknown cron macro "${raw}": use @daily, @weekly, @monthly or @yearly, or a 5-field expression such as "30 7 * * 1-5"`,
      'invalid_cron',
    );
  }
  const cron = MACROS[lower] ?? raw;
  const fields = cron.split(' ');
  if (fields.length !== 5) {
    throw new UserError(
      `Cron must have 5 fields (minute hour day-of-month month day-of-week), e.g. "30 7 * * 1-5" for 07:30 on weekdays; got "${raw}"`,
      'invalid_cron',
    );
  }
  try {
    CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date(Date.UTC(2027, 0, 1)) }).next();
  } catch (error) {
    throw new UserError(`Invalid cron expression "${cron}": ${errorMessage(error)}. Example: "30 7 * * 1-5" (07:30 on weekdays)`, 'invalid_cron');
  }
  const gap = smallestGap(cron);
  if (gap !== undefined && gap < MIN_INTERVAL_MS) {
    throw new UserError(
      `Cron "${raw}" runs more than once an hour at times; a briefing can run at most hourly, e.g. "0 7 * * *" or "0 8,18 * * *"`,
      'invalid_cron',
    );
  }
  return cron;
}

/**
 * The smallest gap between two consecutive runs over the pattern's whole cycle: a week when day-of-month and
 * month are `*` (the pattern then repeats weekly), else a (leap) year. Evaluated in UTC: the gap is a
 * property of the pattern; a DST jump moves runs, it does not make the pattern more frequent.
 */
function smallestGap(cron: string): number | undefined {
  const [, , dom, month] = cron.split(' ');
  const weekly = dom === '*' && month === '*';
  const start = new Date(Date.UTC(2028, 0, 1)); // a leap year, so 29 February counts
  const end = start.getTime() + (weekly ? 8 : 367) * 24 * 3_600_000;
  // More runs than hours in the cycle means some are closer than an hour; stop counting there.
  const cap = Math.ceil((end - start.getTime()) / MIN_INTERVAL_MS) + 2;
  const expression = CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: start });
  let previous: number | undefined;
  let smallest: number | undefined;
  for (let i = 0; i < cap; i++) {
    const at = expression.next().toDate().getTime();
    if (at > end) break;
    if (previous !== undefined) smallest = Math.min(smallest ?? Infinity, at - previous);
    if (smallest !== undefined && smallest < MIN_INTERVAL_MS) return smallest;
    previous = at;
  }
  return smallest;
}

/** A schedule in plain words: "every day at 08:00 (Europe/Paris)", cron through cronstrue. */
export function describeSchedule(schedule: Schedule): string {
  if (schedule.kind === 'daily') return `every day at ${schedule.time} (${schedule.timezone})`;
  let words: string;
  try {
    words = cronstrue.toString(schedule.cron, { use24HourTimeFormat: true, verbose: false, throwExceptionOnParseError: true });
  } catch {
    words = `cron "${schedule.cron}"`;
  }
  return `${words.charAt(0).toLowerCase()}${words.slice(1)} (${schedule.timezone})`;
}

/** The first run strictly after `from`, or undefined when the schedule cannot be evaluated. */
export function nextRun(schedule: Schedule, from: Date): Date | undefined {
  try {
    return nextOccurrence(schedule, from);
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------------------- timezones

/** Names that are zones in the tz database but mean nothing unambiguous to a person; checked first. */
const FINE_AS_IS = new Set(['UTC', 'GMT', 'Z', 'ETC/UTC', 'ETC/GMT', 'UCT', 'ZULU', 'UNIVERSAL']);

let abbreviations: Map<string, string[]> | undefined;
/**
 * Abbreviation → the IANA zones that use it, from the runtime's own zone data (Intl): each zone's short
 * name in English locales that show abbreviations, in January and July. No hand-kept list.
 */
function zoneAbbreviations(): Map<string, string[]> {
  if (abbreviations) return abbreviations;
  const out = new Map<string, Set<string>>();
  const dates = [new Date(Date.UTC(2027, 0, 15, 12)), new Date(Date.UTC(2027, 6, 15, 12))];
  for (const locale of ['en-US', 'en-GB', 'en-IE', 'en-IN', 'en-AU', 'en-NZ', 'en-ZA']) {
    for (const zone of timeZones()) {
      const format = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' });
      for (const date of dates) {
        const name = format.formatToParts(date).find((p) => p.type === 'timeZoneName')?.value;
        if (!name || !/^[A-Z]{2,5}$/.test(name) || name === 'GMT' || name === 'UTC') continue;
        if (!out.has(name)) out.set(name, new Set());
        out.get(name)!.add(zone);
      }
    }
  }
  abbreviations = new Map([...out].map(([name, zones]) => [name, [...zones].sort()]));
  return abbreviations;
}

/** The zones an abbreviation (CET, EST, IST, BST…) may mean, or undefined when it is not one. */
export function zonesForAbbreviation(input: string): string[] | undefined {
  const name = input.trim().toUpperCase();
  if (!/^[A-Z]{2,5}$/.test(name) || FINE_AS_IS.has(name)) return undefined;
  return zoneAbbreviations().get(name);
}

/** The canonical IANA name ("europe/rome" → "Europe/Rome"), or a UserError that suggests a close match. */
export function parseTimezone(input: string): string {
  const zone = input.trim();
  // CET, EST, IST, BST… mean different zones to different people (and some are legacy tz names): ask.
  refuseAbbreviation(zone);
  try {
    // The Intl constructor accepts every IANA zone and alias the runtime knows (ICU), case-insensitively,
    // and resolves it to its canonical spelling.
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    const suggestion = suggestTimezone(zone);
    throw new UserError(
      `Unknown timezone "${zone}". Use an IANA name such as Europe/Rome or America/New_York${suggestion ? ` — did you mean ${suggestion}?` : ''}`,
      'invalid_timezone',
    );
  }
}

/** A close IANA name for a mistyped one: by city ("rome" → Europe/Rome), else by edit distance. */
export function suggestTimezone(input: string): string | undefined {
  const wanted = input.toLowerCase().replace(/\s+/g, '_');
  if (!wanted) return undefined;
  const zones = timeZones();
  const byCity = zones.find((z) => z.toLowerCase().split('/').pop() === wanted.split('/').pop());
  if (byCity) return byCity;
  let best: { zone: string; distance: number } | undefined;
  for (const zone of zones) {
    const candidates = [zone.toLowerCase(), zone.toLowerCase().split('/').pop()!];
    for (const candidate of candidates) {
      const distance = editDistance(wanted, candidate);
      if (!best || distance < best.distance) best = { zone, distance };
    }
  }
  return best && best.distance <= Math.max(2, Math.floor(wanted.length / 4)) ? best.zone : undefined;
}

/** Refuses a zone abbreviation with the IANA zones it may mean: never a silent pick. */
export function refuseAbbreviation(input: string): void {
  const zones = zonesForAbbreviation(input);
  if (!zones) return;
  const shown = zones.slice(0, 12);
  const more = zones.length > shown.length ? ` and ${zones.length - shown.length} more` : '';
  throw new UserError(
    `"${input.trim()}" is an abbreviation that several places use differently; give the IANA zone instead: ${shown.join(', ')}${more}.`,
    'ambiguous_timezone',
  );
}
