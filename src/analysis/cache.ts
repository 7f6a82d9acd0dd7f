import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../core/clock.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/index.ts';
import type { EngineName, SummaryLength } from './types.ts';

export interface CacheKeyParts {
  contentHash: string;
  task: 'summary' | 'actors';
  length?: SummaryLength;
  engine: EngineName;
  model?: string;
  /** Engine or prompt version: bumping it invalidates old results. */
  version: string;
  /** Output language of an LLM summary when it is not English (absent for English and for offline). */
  locale?: string;
}

/** (content hash, task, length, engine, model, version[, locale]) as one store key. */
export function cacheKey(p: CacheKeyParts): string {
  const parts = [p.contentHash, p.task, p.length ?? '-', p.engine, encodeURIComponent(p.model ?? '-'), p.version];
  if (p.locale) parts.push(encodeURIComponent(p.locale));
  return parts.join(':');
}

export interface CacheOutcome<T> {
  value: T;
  /** How the value was obtained: from the cache (memory or store), by joining an identical request in flight, or computed now. */
  source: 'cache' | 'shared' | 'computed';
}

/** What one `fetch` asks of the cache's fetch method. */
interface FetchContext<V> {
  compute: () => Promise<V>;
  ttlMs: (value: V) => number | undefined;
  /** Set by the fetch method: whether the store had it. */
  source?: 'cache' | 'computed';
}

/**
 * Analysis results in the store (they survive restarts) behind an in-memory LRU whose `fetch()` gives
 * read-through and in-flight de-duplication: concurrent identical requests share one promise, so N
 * parallel asks cost one model call. Store failures degrade to "no cache" rather than failing the request.
 */
export class AnalysisCache<V extends object> {
  private readonly kv;
  private readonly memory: LRUCache<string, V, FetchContext<V>>;
  private readonly pendingWrites = new Set<Promise<unknown>>();

  constructor(
    store: Store,
    private readonly logger?: Logger,
    namespace = 'analysis',
    clock: Clock = systemClock,
  ) {
    this.kv = store.kv<V>(namespace);
    this.memory = new LRUCache<string, V, FetchContext<V>>({
      // Hot results stay in memory, so commands and briefings that reuse them skip the store round trip.
      max: 2_000,
      perf: { now: () => clock.now().getTime() },
      ttlResolution: 0, // read the clock on every check (a fixed test clock must not be cached for a millisecond)
      // An entry evicted while its computation runs (a burst of distinct reports) still answers its callers.
      ignoreFetchAbort: true,
      fetchMethod: (key, _stale, { options, context }) => this.load(key, context, options),
    });
  }

  /** The cached value for `key`, or `compute()`'s result, stored with `ttlMs(result)` (undefined = no expiry). */
  async getOrCompute(key: string, compute: () => Promise<V>, ttlMs: (value: V) => number | undefined): Promise<CacheOutcome<V>> {
    const context: FetchContext<V> = { compute, ttlMs };
    const status: LRUCache.Status<string, V, FetchContext<V>> = {};
    const value = await this.memory.fetch(key, { context, status });
    if (value === undefined) throw new Error('analysis cache: no value computed'); // fetchMethod never yields undefined
    if (status.fetch === 'hit') return { value, source: 'cache' };
    // 'miss', 'stale' (an expired fallback) or 'refresh': this call ran the fetch method.
    if (context.source) return { value, source: context.source };
    return { value, source: 'shared' };
  }

  /** Waits for cache writes still in progress (before closing the store). */
  async flush(): Promise<void> {
    while (this.pendingWrites.size > 0) await Promise.all([...this.pendingWrites]);
  }

  private async load(key: string, context: FetchContext<V>, options: LRUCache.FetcherFetchOptions<string, V, FetchContext<V>>): Promise<V> {
    const cached = await this.kv.get(key).catch((error: unknown) => {
      this.logger?.warn({ err: error }, 'analysis cache read failed; computing');
      return undefined;
    });
    if (cached !== undefined && cached !== null) {
      context.source = 'cache';
      const ttl = context.ttlMs(cached as V);
      if (ttl !== undefined) options.ttl = ttl;
      return cached as V;
    }
    context.source = 'computed';
    const value = await context.compute();
    const ttl = context.ttlMs(value);
    if (ttl !== undefined) options.ttl = ttl;
    // The caller need not wait for the write: identical requests meanwhile hit the memory entry.
    const written = this.kv.set(key, value, ttl).catch((error: unknown) => this.logger?.warn({ err: error }, 'analysis cache write failed'));
    this.pendingWrites.add(written);
    void written.finally(() => this.pendingWrites.delete(written));
    return value;
  }
}
