import { describe, expect, it } from 'vitest';
import { latestOccurrence, localDate, nextOccurrence, occurrencesBetween } from '../../src/briefings/schedule.ts';
import type { Schedule } from '../../src/briefings/types.ts';

const rome: Schedule = { kind: 'daily', time: '07:30', timezone: 'Europe/Rome' };
const ny: Schedule = { kind: 'daily', time: '07:30', timezone: 'America/New_York' };

describe('schedule occurrences', () => {
  it('follows Europe/Rome across the 2026-03-29 spring-forward', () => {
    const got = occurrencesBetween(rome, new Date('2026-03-27T12:00:00Z'), new Date('2026-03-31T00:00:00Z')).map((d) => d.toISOString());
    expect(got).toEqual(['2026-03-28T06:30:00.000Z', '2026-03-29T05:30:00.000Z', '2026-03-30T05:30:00.000Z']);
  });

  it('follows America/New_York across 2026-03-08 and 2026-11-01', () => {
    expect(occurrencesBetween(ny, new Date('2026-03-07T00:00:00Z'), new Date('2026-03-09T00:00:00Z')).map((d) => d.toISOString())).toEqual([
      '2026-03-07T12:30:00.000Z',
      '2026-03-08T11:30:00.000Z',
    ]);
    expect(occurrencesBetween(ny, new Date('2026-10-31T00:00:00Z'), new Date('2026-11-02T00:00:00Z')).map((d) => d.toISOString())).toEqual([
      '2026-10-31T11:30:00.000Z',
      '2026-11-01T12:30:00.000Z',
    ]);
  });

  it('runs a time repeated by the fall-back once, and a skipped time once, an hour later', () => {
    const repeated: Schedule = { kind: 'daily', time: '01:30', timezone: 'America/New_York' };
    expect(occurrencesBetween(repeated, new Date('2026-11-01T00:00:00Z'), new Date('2026-11-02T00:00:00Z'))).toHaveLength(1);
    const skipped: Schedule = { kind: 'daily', time: '02:30', timezone: 'Europe/Rome' };
    const day = occurrencesBetween(skipped, new Date('2026-03-28T23:00:00Z'), new Date('2026-03-29T22:00:00Z'));
    expect(day.map((d) => d.toISOString())).toEqual(['2026-03-29T01:30:00.000Z']);
  });

  it('weekday cron skips the weekend', () => {
    const weekdays: Schedule = { kind: 'cron', cron: '0 7 * * 1-5', timezone: 'Europe/Rome' };
    // Friday 2026-11-27 → next is Monday 2026-11-30.
    expect(nextOccurrence(weekdays, new Date('2026-11-27T07:00:00Z')).toISOString()).toBe('2026-11-30T06:00:00.000Z');
  });

  it('latestOccurrence includes an occurrence exactly at the instant', () => {
    expect(latestOccurrence(rome, new Date('2026-03-29T05:30:00Z'))?.toISOString()).toBe('2026-03-29T05:30:00.000Z');
    expect(latestOccurrence(rome, new Date('2026-03-29T05:29:59Z'))?.toISOString()).toBe('2026-03-28T06:30:00.000Z');
    expect(localDate(new Date('2026-03-29T23:30:00Z'), 'Europe/Rome')).toBe('2026-03-30');
  });
});
