import { LRUCache } from 'lru-cache';
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
}

/** (content hash, task, length, engine, model, version) as one store key. */
export function cacheKey(p: CacheKeyParts): string {
  return [p.contentHash, p.task, p.length ?? '-', p.engine, encodeURIComponent(p.model ?? '-'), p.version].join(':');
}

export interface CacheOutcome<T> {
  value: T;
  /** How the value was obtained: from the store, by joining an identical request in flight, or computed now. */
  source: 'cache' | 'shared' | 'computed';
}

/**
 * Analysis results in the store (they survive restarts) plus in-flight de-duplication: concurrent identical
 * requests share one promise, so N parallel asks cost one model call. Store failures degrade to "no cache"
 * rather than failing the request.
 */
export class AnalysisCache<V> {
  private readonly kv;
  private readonly inflight = new Map<string, Promise<V>>();
  /** Hot results stay in memory too, so commands and briefings that reuse them skip the store round trip. */
  private readonly memory = new LRUCache<string, { value: V }>({ max: 2_000 });
  private readonly pendingWrites = new Set<Promise<unknown>>();

  constructor(store: Store, private readonly logger?: Logger, namespace = 'analysis') {
    this.kv = store.kv<V>(namespace);
  }

  /**
   * The cached value for `key`, or `compute()`'s result, stored with `ttlMs(result)` (undefined = no expiry,
   * 0 = do not store).
   */
  async getOrCompute(key: string, compute: () => Promise<V>, ttlMs: (value: V) => number | undefined): Promise<CacheOutcome<V>> {
    const hot = this.memory.get(key);
    if (hot) return { value: hot.value, source: 'cache' };
    const running = this.inflight.get(key);
    if (running) return { value: await running, source: 'shared' };
    let source: CacheOutcome<V>['source'] = 'computed';
    let written: Promise<unknown> = Promise.resolve();
    const work = (async () => {
      const cached = await this.kv.get(key).catch((error: unknown) => {
        this.logger?.warn({ err: error }, 'analysis cache read failed; computing');
        return undefined;
      });
      if (cached !== undefined && cached !== null) {
        source = 'cache';
        const ttl = ttlMs(cached as V);
        if (ttl !== 0) this.memory.set(key, { value: cached as V }, { ttl: ttl ?? 0 });
        return cached as V;
      }
      const value = await compute();
      const ttl = ttlMs(value);
      if (ttl !== 0) {
        this.memory.set(key, { value }, { ttl: ttl ?? 0 });
        // The caller need not wait for the write; identical requests keep sharing this promise until it lands.
        written = this.kv.set(key, value, ttl).catch((error: unknown) => this.logger?.warn({ err: error }, 'analysis cache write failed'));
        this.pendingWrites.add(written);
        void written.finally(() => this.pendingWrites.delete(written));
      }
      return value;
    })();
    this.inflight.set(key, work);
    const release = () => void written.finally(() => this.inflight.get(key) === work && this.inflight.delete(key));
    try {
      return { value: await work, source };
    } finally {
      release();
    }
  }

  /** Waits for cache writes still in progress (before closing the store). */
  async flush(): Promise<void> {
    while (this.pendingWrites.size > 0) await Promise.all([...this.pendingWrites]);
  }
}
