import { CronExpressionParser } from 'cron-parser';
import type { Schedule } from './types.ts';

/**
 * Occurrence arithmetic for subscription schedules. cron-parser evaluates the expression in the
 * subscription's IANA timezone, which makes DST right: a daily 07:30 in Europe/Rome is 06:30 UTC in
 * winter and 05:30 UTC in summer; a time skipped by the spring-forward jump runs one hour later that
 * day, and a time repeated by the fall-back runs once.
 */

/** The 5-field cron expression a schedule runs on. */
export function scheduleCron(schedule: Schedule): string {
  if (schedule.kind === 'cron') return schedule.cron;
  const [hours, minutes] = schedule.time.split(':').map(Number);
  return `${minutes} ${hours} * * *`;
}

function parse(schedule: Schedule, currentDate: Date) {
  return CronExpressionParser.parse(scheduleCron(schedule), { currentDate, tz: schedule.timezone });
}

/** The first occurrence strictly after `after`. */
export function nextOccurrence(schedule: Schedule, after: Date): Date {
  return parse(schedule, after).next().toDate();
}

/** The latest occurrence at or before `atOrBefore`, or undefined when there is none in the past year. */
export function latestOccurrence(schedule: Schedule, atOrBefore: Date): Date | undefined {
  // cron-parser's prev() is strictly before its current date; step one second ahead to include `atOrBefore`
  // itself (occurrences fall on whole minutes).
  const expression = parse(schedule, new Date(atOrBefore.getTime() + 1000));
  if (!expression.hasPrev()) return undefined;
  const prev = expression.prev().toDate();
  return prev.getTime() <= atOrBefore.getTime() ? prev : undefined;
}

/**
 * The latest occurrence in (now - windowMs, now], if any, and the first one after `now`: what the scheduler
 * needs for each subscription, from forward iteration only (cron-parser's prev() costs about twice next()).
 */
export function occurrencesAround(schedule: Schedule, now: Date, windowMs: number): { latest?: Date; next: Date } {
  const expression = parse(schedule, new Date(now.getTime() - windowMs));
  let latest: Date | undefined;
  for (;;) {
    const occurrence = expression.next().toDate();
    if (occurrence.getTime() > now.getTime()) return { latest, next: occurrence };
    latest = occurrence;
  }
}

/** Occurrences in (from, to], oldest first, at most `limit`. */
export function occurrencesBetween(schedule: Schedule, from: Date, to: Date, limit = 1000): Date[] {
  const out: Date[] = [];
  const expression = parse(schedule, from);
  while (out.length < limit) {
    const next = expression.next().toDate();
    if (next.getTime() > to.getTime()) break;
    out.push(next);
  }
  return out;
}

/** YYYY-MM-DD of `at` in `timezone`. */
export function localDate(at: Date, timezone: string): string {
  // en-CA formats dates as ISO (YYYY-MM-DD).
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** "Friday 27 November 2026" for `at` in `timezone`. */
export function longLocalDate(at: Date, timezone: string): string {
  // Assembled from parts: ICU versions differ on the comma after the weekday.
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('year')}`;
}

/** "07:30" for `at` in `timezone`. */
export function localTime(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}
