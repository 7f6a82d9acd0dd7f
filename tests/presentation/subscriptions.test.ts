import { describe, expect, it } from 'vitest';
import type { Subscription } from '../../src/briefings/types.ts';
import { nextRunLine, scheduleText, subscriptionDetails } from '../../src/presentation/subscriptions.ts';
import { flattenMarkdown, renderCard } from '../../src/terminal/render.ts';

const sub: Subscription = {
  id: 's',
  guildId: 'g',
  channelId: 'c',
  schedule: { kind: 'daily', time: '08:00', timezone: 'Europe/Rome' },
  filters: { topics: ['china'], actors: [], regions: [], sources: [] },
  format: 'full',
  emptyPolicy: 'skip',
  createdBy: 'u',
  createdAt: '2026-11-27T07:00:00Z',
  cursor: '2026-11-27T07:00:00Z',
};
const now = new Date('2026-11-27T08:00:00Z');
const next = new Date('2026-11-28T07:00:00Z');

describe('subscription text', () => {
  it('reads cron schedules in plain words', () => {
    expect(scheduleText(sub)).toBe('Every day at 08:00 (Europe/Rome)');
    expect(scheduleText({ schedule: { kind: 'cron', cron: '30 7 * * 1-5', timezone: 'UTC' } })).toBe('At 07:30, Monday through Friday (UTC)');
  });

  it('shows the next run as Discord timestamps when the service can tell it, and nothing otherwise', () => {
    const describer = { nextRunAt: (_s: Subscription, from: Date) => (from < next ? next : undefined) };
    const unix = next.getTime() / 1000;
    expect(nextRunLine(sub, describer, now)).toBe(`Next briefing: <t:${unix}:F> (<t:${unix}:R>)`);
    expect(subscriptionDetails(sub, describer, now).split('\n')).toEqual([
      'Every day at 08:00 (Europe/Rome)',
      `Next briefing: <t:${unix}:F> (<t:${unix}:R>)`,
      'Filters: topics: china',
      'Format: full · on quiet days: skip',
    ]);
    expect(subscriptionDetails(sub, {}, now)).not.toContain('Next briefing');
    expect(nextRunLine({ ...sub, paused: { reason: 'x', at: now.toISOString() } }, describer, now)).toBeUndefined();
    // The terminal prints the timestamps as UTC text.
    expect(flattenMarkdown(`<t:${unix}:F>`)).toBe('2026-11-28 07:00 UTC');
  });

  it('uses the service’s own schedule description when it offers one', () => {
    expect(subscriptionDetails(sub, { describeSchedule: () => 'every day at 08:00 (Europe/Rome), named daily' }).split('\n')[0]).toBe(
      'Every day at 08:00 (Europe/Rome), named daily',
    );
  });

  it('prints typed links as text in the terminal', () => {
    expect(renderCard({ title: 'And 2 more', links: [{ title: 'A [b]', url: 'https://example.org/a', note: 'Src, 1 Dec 2026' }] })).toContain(
      '• A [b] <https://example.org/a> — Src, 1 Dec 2026',
    );
  });
});
