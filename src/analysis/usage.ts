import { randomUUID } from 'node:crypto';
import type { Store } from '../store/index.ts';
import type { LlmCall } from './llm/index.ts';

/** One event in the usage ledger. */
export type UsageEvent =
  | ({ kind: 'call'; at: string } & Omit<LlmCall, 'durationMs'>)
  | { kind: 'cache_hit'; at: string; task: string; engine: string; model?: string }
  | { kind: 'fallback'; at: string; task: string; model: string; reason: string };

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
  /** Time of the first recorded event (ISO 8601), if any. */
  since?: string;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Requests answered from the cache or by joining an identical request in flight: no model call. */
  cacheHits: number;
  /** Requests where the LLM was asked for but the offline engine answered. */
  fallbacks: number;
  /** Fallback counts by reason (the reason text without numbers, e.g. "model timed out after N ms"). */
  fallbackReasons: Record<string, number>;
  models: ModelUsage[];
}

/**
 * Append-only usage ledger in the store: one record per event under a unique key, so concurrent processes
 * (shards sharing Redis/Postgres) never lose an update the way a read-modify-write counter would.
 * Totals are summed on demand (`sitrep usage`), which is a scan, not a hot path.
 */
export class UsageLedger {
  private readonly kv;
  private pending = new Set<Promise<unknown>>();

  constructor(store: Store) {
    this.kv = store.kv<UsageEvent>('usage');
  }

  /** Fire-and-forget: usage accounting never delays or fails an answer. `flush()` awaits pending writes. */
  record(event: UsageEvent): void {
    const write = this.kv
      .set(`${event.at}:${randomUUID()}`, event)
      .catch(() => undefined)
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async totals(): Promise<UsageTotals> {
    await this.flush();
    const totals: UsageTotals = { calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, cacheHits: 0, fallbacks: 0, fallbackReasons: {}, models: [] };
    const models = new Map<string, ModelUsage>();
    if (!this.kv.iterator) throw new Error('this store cannot list usage records');
    for await (const [, event] of this.kv.iterator(this.kv.namespace) as AsyncGenerator<[string, UsageEvent]>) {
      if (!event) continue;
      if (!totals.since || event.at < totals.since) totals.since = event.at;
      if (event.kind === 'cache_hit') totals.cacheHits++;
      else if (event.kind === 'fallback') {
        totals.fallbacks++;
        const reason = event.reason.replace(/\d+/g, 'N');
        totals.fallbackReasons[reason] = (totals.fallbackReasons[reason] ?? 0) + 1;
      } else {
        let m = models.get(event.model);
        if (!m) models.set(event.model, (m = { model: event.model, calls: 0, failedCalls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, estimatedCalls: 0 }));
        m.calls++;
        if (!event.ok) m.failedCalls++;
        if (event.estimated) m.estimatedCalls++;
        m.promptTokens += event.promptTokens;
        m.completionTokens += event.completionTokens;
        m.totalTokens += event.promptTokens + event.completionTokens;
      }
    }
    totals.models = [...models.values()].sort((a, b) => b.totalTokens - a.totalTokens || a.model.localeCompare(b.model));
    for (const m of totals.models) {
      totals.calls += m.calls;
      totals.promptTokens += m.promptTokens;
      totals.completionTokens += m.completionTokens;
      totals.totalTokens += m.totalTokens;
    }
    return totals;
  }
}
