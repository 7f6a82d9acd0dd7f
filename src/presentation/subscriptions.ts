import cronstrue from 'cronstrue';
import type { Subscription } from '../briefings/types.ts';
import { formatDate, formatDateTime, timestampTag } from './dates.ts';
import { lowerFirst } from './text.ts';

/** How subscriptions read: schedule in plain words, next run as a Discord timestamp, filters, status. */

/** What the briefing services may offer (CONTRACTS §6); each is used when present. */
export interface ScheduleDescriber {
  describeSchedule?(subscription: Subscription): string;
  nextRunAt?(subscription: Subscription, from: Date): Date | undefined;
}

/** "Every day at 08:00 (Europe/Rome)"; a cron schedule in plain words ("At 07:30, Monday through Friday (America/New_York)"). */
export function scheduleText(subscription: Pick<Subscription, 'schedule'>): string {
  const s = subscription.schedule;
  if (s.kind === 'daily') return `Every day at ${s.time} (${s.timezone})`;
  let words: string;
  try {
    words = cronstrue.toString(s.cron, { use24HourTimeFormat: true, verbose: false });
  } catch {
    words = `Cron "${s.cron}"`;
  }
  return `${words} (${s.timezone})`;
}

/** The schedule as the service describes it when it can, else as `scheduleText` does. */
export function describeSchedule(subscription: Subscription, describer: ScheduleDescriber = {}): string {
  const text = typeof describer.describeSchedule === 'function' ? describer.describeSchedule(subscription) : undefined;
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : scheduleText(subscription);
}

/** "Next briefing: <t:…:F> (<t:…:R>)" when the service can tell the next run. */
export function nextRunLine(subscription: Subscription, describer: ScheduleDescriber, now: Date): string | undefined {
  if (subscription.paused || typeof describer.nextRunAt !== 'function') return undefined;
  const next = describer.nextRunAt(subscription, now);
  if (!next || Number.isNaN(next.getTime())) return undefined;
  return `Next briefing: ${timestampTag(next, 'F')} (${timestampTag(next, 'R')})`;
}

function filtersText(subscription: Pick<Subscription, 'filters'>): string {
  const f = subscription.filters;
  const parts = [
    f.topics.length > 0 ? `topics: ${f.topics.join(', ')}` : undefined,
    f.actors.length > 0 ? `actors: ${f.actors.join(', ')}` : undefined,
    f.regions.length > 0 ? `regions: ${f.regions.join(', ')}` : undefined,
    f.sources.length > 0 ? `sources: ${f.sources.join(', ')}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'All new reports';
}

/** A subscription's name when it has one (named subscriptions, CONTRACTS §6). */
export function subscriptionName(subscription: object): string | undefined {
  const name = (subscription as { name?: unknown }).name;
  return typeof name === 'string' && name.trim() ? name.trim() : undefined;
}

/** The lines describing one subscription, used by subscribe confirmations and `/briefing list`. */
export function subscriptionDetails(subscription: Subscription, describer: ScheduleDescriber = {}, now?: Date): string {
  const lines = [describeSchedule(subscription, describer)];
  const next = now ? nextRunLine(subscription, describer, now) : undefined;
  if (next) lines.push(next);
  lines.push(
    `Filters: ${filtersText(subscription)}`,
    `Format: ${subscription.format} · on quiet days: ${subscription.emptyPolicy === 'skip' ? 'skip' : 'post a short notice'}`,
  );
  if (subscription.paused) lines.push(`PAUSED since ${formatDateTime(subscription.paused.at)}: ${subscription.paused.reason}`);
  if (subscription.lastDelivery) lines.push(`Last briefing: ${formatDateTime(subscription.lastDelivery.at)}`);
  return lines.join('\n');
}

/** "(every day at 08:00 (Europe/Rome))" after "Stopped the briefing in #x". */
export function scheduleAside(subscription: Subscription, describer: ScheduleDescriber = {}): string {
  return `(${lowerFirst(describeSchedule(subscription, describer))})`;
}

export function removalLine(channel: string, at: string, reason: string): string {
  return `${channel} on ${formatDate(at)}: ${reason}`;
}
