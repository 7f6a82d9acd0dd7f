import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/index.ts';
import type { LlmCall } from './llm/client.ts';

/** One thing worth counting. */
export type UsageEvent =
  | ({ kind: 'call' } & Omit<LlmCall, 'durationMs'>)
  | { kind: 'cache_hit'; task: string; engine: string; model?: string }
  | { kind: 'fallback'; task: string; model: string; reason: string };

export interface ModelUsage {
  model: string;
  calls: number;
  /** Calls that errored or whose answer could not be used (they may still have cost tokens). */
  failedCalls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Calls whose token counts were estimated locally (server reported no usage, or the SDK threw first). */
  estimatedCalls: number;
}

export interface UsageTotals {
  /** First day with recorded usage (YYYY-MM-DD), if any. */
  since?: string;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Requests answered from the cache or by joining an identical request in flight: no model call. */
  cacheHits: number;
  /** Requests where the LLM was asked for but the offline engine answered. */
  fallbacks: number;
  /** Fallback counts by reason (numbers replaced by N, e.g. "model timed out after N ms"). */
  fallbackReasons: Record<string, number>;
  models: ModelUsage[];
}

/** What one process recorded on one day: the unit stored. */
interface DayRecord {
  day: string;
  cacheHits: number;
  fallbacks: number;
  fallbackReasons: Record<string, number>;
  models: Record<string, ModelUsage>;
}

/** Usage is written at most this often per process (and on flush / app close). */
const WRITE_INTERVAL_MS = 1_000;

const emptyDay = (day: string): DayRecord => ({ day, cacheHits: 0, fallbacks: 0, fallbackReasons: {}, models: {} });

/**
 * Usage ledger in the store. Each process keeps its own running totals per day and writes them under a key
 * only it uses (`<day>:<process id>`), so processes sharing a store (shards on Redis/Postgres) never lose an
 * update to a read-modify-write race, and the ledger grows by one row per process per day, not per request.
 * Writes are coalesced (at most one per second) and never delay an answer; `flush()` writes what is pending.
 */
export class UsageLedger {
  private readonly kv;
  private readonly writer = randomUUID();
  private current?: DayRecord;
  private writing?: Promise<void>;
  private readonly dirty = new Map<string, DayRecord>();
  private timer?: NodeJS.Timeout;

  constructor(
    store: Store,
    private readonly clock: Clock,
  ) {
    this.kv = store.kv<DayRecord>('usage');
  }

  record(event: UsageEvent): void {
    // Days are UTC, so processes in different time zones sharing a store agree on them.
    const day = this.clock.now().toISOString().slice(0, 10);
    if (this.current?.day !== day) this.current = emptyDay(day);
    add(this.current, event);
    this.scheduleWrite();
  }

  /** Writes what is pending now (before closing the store, or before reading totals). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.writing || this.dirty.size > 0) await (this.writing ?? this.writeDirty());
  }

  async totals(): Promise<UsageTotals> {
    await this.flush();
    const sum = emptyDay('');
    let since: string | undefined;
    if (!this.kv.iterator) throw new Error('this store cannot list usage records');
    for await (const [, record] of this.kv.iterator(this.kv.namespace) as AsyncGenerator<[string, DayRecord | undefined]>) {
      if (!record?.day) continue;
      if (!since || record.day < since) since = record.day;
      merge(sum, record);
    }
    const models = Object.values(sum.models).sort((a, b) => b.totalTokens - a.totalTokens || a.model.localeCompare(b.model));
    const total = (f: (m: ModelUsage) => number) => models.reduce((n, m) => n + f(m), 0);
    return {
      ...(since ? { since } : {}),
      calls: total((m) => m.calls),
      promptTokens: total((m) => m.promptTokens),
      completionTokens: total((m) => m.completionTokens),
      totalTokens: total((m) => m.totalTokens),
      cacheHits: sum.cacheHits,
      fallbacks: sum.fallbacks,
      fallbackReasons: sum.fallbackReasons,
      models,
    };
  }

  private scheduleWrite(): void {
    const record = this.current!;
    this.dirty.set(`${record.day}:${this.writer}`, record);
    // Coalesce bursts into one write per interval; the timer never keeps the process alive.
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeDirty();
    }, WRITE_INTERVAL_MS);
    this.timer.unref();
  }

  private writeDirty(): Promise<void> {
    this.writing ??= (async () => {
      while (this.dirty.size > 0) {
        const batch = [...this.dirty];
        this.dirty.clear();
        // Snapshots are taken now; records made while these writes run mark the day dirty again.
        await Promise.all(batch.map(([key, day]) => this.kv.set(key, structuredClone(day)).catch(() => undefined)));
      }
      this.writing = undefined;
    })();
    return this.writing;
  }
}

function modelRow(day: DayRecord, model: string): ModelUsage {
  return (day.models[model] ??= { model, calls: 0, failedCalls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, estimatedCalls: 0 });
}

function add(day: DayRecord, event: UsageEvent): void {
  if (event.kind === 'cache_hit') day.cacheHits++;
  else if (event.kind === 'fallback') {
    day.fallbacks++;
    const reason = event.reason.replace(/\d+/g, 'N');
    day.fallbackReasons[reason] = (day.fallbackReasons[reason] ?? 0) + 1;
  } else {
    const m = modelRow(day, event.model);
    m.calls++;
    if (!event.ok) m.failedCalls++;
    if (event.estimated) m.estimatedCalls++;
    m.promptTokens += event.promptTokens;
    m.completionTokens += event.completionTokens;
    m.totalTokens += event.promptTokens + event.completionTokens;
  }
}

function merge(into: DayRecord, from: DayRecord): void {
  into.cacheHits += from.cacheHits ?? 0;
  into.fallbacks += from.fallbacks ?? 0;
  for (const [reason, n] of Object.entries(from.fallbackReasons ?? {})) into.fallbackReasons[reason] = (into.fallbackReasons[reason] ?? 0) + n;
  for (const m of Object.values(from.models ?? {})) {
    const row = modelRow(into, m.model);
    row.calls += m.calls;
    row.failedCalls += m.failedCalls;
    row.promptTokens += m.promptTokens;
    row.completionTokens += m.completionTokens;
    row.totalTokens += m.totalTokens;
    row.estimatedCalls += m.estimatedCalls;
  }
}
