import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store } from '../../../src/store/index.ts';
import type { Clock } from '../../../src/core/clock.ts';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(at: Date | string): void {
    this.current = new Date(at);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** A real SQLite store in a fresh temp dir (claims stamped by `clock` when given, as the app does). */
export async function tempStore(clock?: Clock): Promise<{ store: Store; dir: string; url: string; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sitrep-briefings-'));
  const url = `sqlite://${join(dir, 'sitrep.sqlite')}`;
  const store = await createStore(url, clock ? { now: () => clock.now().getTime() } : {});
  return {
    store,
    dir,
    url,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { createHash } from 'node:crypto';
import type { Actor, ActorsResult, Summary } from '../../../src/analysis/types.ts';
import type { Report } from '../../../src/reports/types.ts';
import type { Briefing } from '../../../src/briefings/types.ts';
import { presentBriefing } from '../../../src/presentation/briefing.ts';
import { DeliveryError, type BriefingTransport, type SendOptions } from '../../../src/briefings/transport.ts';
import type { Card } from '../../../src/core/reply.ts';
import { loadConfig, type Config } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';

export const silentLogger = createLogger('silent');

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ STORE_URL: 'sqlite://:memory:', ...env });
}

/** Builds a report with what briefings look at; `actors` are what the fake analysis reports for it. */
export function makeReport(id: string, fields: Partial<Report> & { actors?: string[] } = {}): Report & { actors?: string[] } {
  const text = fields.text ?? `Body of ${id}.`;
  return {
    id,
    title: fields.title ?? `Report ${id}`,
    source: fields.source ?? 'SpecialEurasia',
    url: fields.url ?? `https://example.org/${id}`,
    authors: fields.authors ?? [],
    tags: fields.tags ?? [],
    regions: fields.regions ?? [],
    sections: [],
    text,
    contentHash: createHash('sha256').update(`${id}\n${text}`).digest('hex'),
    ingestedAt: fields.ingestedAt ?? '2026-11-27T00:00:00.000Z',
    updatedAt: fields.ingestedAt ?? '2026-11-27T00:00:00.000Z',
    origin: fields.origin ?? { kind: 'file', path: `${id}.md` },
    ...fields,
  };
}

/** An in-memory report source with the library's list/get shape. */
export class MemoryReports {
  readonly reports = new Map<string, Report>();
  listCalls = 0;
  private seq = 0;
  /** Adds (or replaces) reports; each gets the next ingest sequence number, as the library's change log does. */
  add(...reports: Report[]): void {
    for (const r of reports) this.reports.set(r.id, { ...r, seq: r.seq ?? ++this.seq });
  }
  async list(options: { since?: Date; guildId?: string | null; limit?: number } = {}): Promise<Report[]> {
    this.listCalls++;
    return [...this.reports.values()].filter((r) => !options.since || Date.parse(r.ingestedAt) > options.since.getTime());
  }
  async get(id: string): Promise<Report | undefined> {
    return this.reports.get(id);
  }
  async listSince(afterSeq: number, opts: { limit?: number } = {}): Promise<Report[]> {
    const after = [...this.reports.values()].filter((r) => (r.seq ?? 0) > afterSeq).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    return after.slice(0, opts.limit ?? after.length);
  }
  headSeq(): number {
    return this.seq;
  }
  async loadMany(ids: string[]): Promise<Report[]> {
    return ids.map((id) => this.reports.get(id)).filter((r): r is Report => r !== undefined);
  }
}

/** Deterministic analysis: the summary is the first sentence; actors come from the report's `actors` field. */
export class FakeAnalysis {
  calls = 0;
  async summarise(report: Report): Promise<Summary> {
    this.calls++;
    const text = `Summary of ${report.title}.`;
    return { reportId: report.id, length: 'brief', sentences: [{ text, index: 0 }], text, engine: { engine: 'offline', version: 'test' } };
  }
  async actors(report: Report & { actors?: string[] }): Promise<ActorsResult> {
    const actors: Actor[] = (report.actors ?? []).map((spec, i) => {
      const [name, ...aliases] = spec.split('|');
      return { name: name!, type: 'state', mentions: 3 - i, aliases, evidence: '', score: 10 - i };
    });
    return { reportId: report.id, actors, engine: { engine: 'offline', version: 'test' } };
  }
}

export interface SentMessage {
  channelId: string;
  cards: Card[];
  nonce?: string;
  messageId: string;
}

type Failure = DeliveryError | Error | 'hang';

/**
 * A recording BriefingTransport: splits the presented briefing into messages of `cardsPerMessage` cards,
 * records every send, and fails sends as scripted per channel (in order).
 */
export class RecordingTransport implements BriefingTransport<{ cards: Card[] }> {
  readonly name = 'recording';
  readonly sent: SentMessage[] = [];
  readonly attempts: Array<{ channelId: string; nonce?: string }> = [];
  readonly notices: Array<{ guildId: string; text: string }> = [];
  renders = 0;
  private readonly failures = new Map<string, Failure[]>();
  private seq = 0;
  /** Fail after this many successful sends in total (simulates a crash mid-fan-out). */
  crashAfter: number | undefined;

  constructor(private readonly cardsPerMessage = 3) {}

  failNext(channelId: string, ...failures: Failure[]): void {
    this.failures.set(channelId, [...(this.failures.get(channelId) ?? []), ...failures]);
  }

  renderBriefing(briefing: Briefing): Array<{ cards: Card[] }> {
    this.renders++;
    const cards = presentBriefing(briefing).cards ?? [];
    const out: Array<{ cards: Card[] }> = [];
    for (let i = 0; i < cards.length; i += this.cardsPerMessage) out.push({ cards: cards.slice(i, i + this.cardsPerMessage) });
    return out;
  }

  async send(channelId: string, message: { cards: Card[] }, options?: SendOptions): Promise<{ messageId: string }> {
    this.attempts.push({ channelId, nonce: options?.nonce });
    if (this.crashAfter !== undefined && this.sent.length >= this.crashAfter) return new Promise(() => undefined);
    const failure = this.failures.get(channelId)?.shift();
    if (failure === 'hang') return new Promise(() => undefined);
    if (failure) throw failure;
    const messageId = `m${++this.seq}`;
    this.sent.push({ channelId, cards: message.cards, nonce: options?.nonce, messageId });
    return { messageId };
  }

  async notifyModerators(guildId: string, text: string): Promise<void> {
    this.notices.push({ guildId, text });
  }

  to(channelId: string): SentMessage[] {
    return this.sent.filter((m) => m.channelId === channelId);
  }
}
