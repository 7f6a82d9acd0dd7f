import { LRUCache } from 'lru-cache';
import type { Clock } from './clock.ts';

/**
 * A per-key sliding-window limit ("5 per 10 minutes per user"), in memory, bounded by lru-cache. Per
 * process: on a fleet each gateway process limits the users whose interactions it receives, which is what
 * this guards (one person making the bot fetch pages in a loop), not a global quota. Hand-written because
 * the limiters on npm either need Redis or count fixed windows, which let a burst of twice the limit
 * through at a window's edge.
 */
export class SlidingWindowLimiter {
  private readonly hits: LRUCache<string, number[]>;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
    maxKeys = 10_000,
  ) {
    this.hits = new LRUCache({ max: maxKeys });
  }

  /** Takes one use for `key`; when none is left, the time the oldest use leaves the window. */
  take(key: string): { ok: true } | { ok: false; retryAt: Date } {
    const now = this.clock.now().getTime();
    const recent = (this.hits.get(key) ?? []).filter((at) => at > now - this.windowMs);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      return { ok: false, retryAt: new Date(recent[0]! + this.windowMs) };
    }
    recent.push(now);
    this.hits.set(key, recent);
    return { ok: true };
  }
}
