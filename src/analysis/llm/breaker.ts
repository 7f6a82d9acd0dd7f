import type { Clock } from '../../core/clock.ts';
import { LlmFailure } from './errors.ts';

/**
 * After `threshold` consecutive transient failures (timeouts, 5xx, 429, unreachable) the model is skipped
 * for `cooldownMs`, so an outage does not make every request wait for the timeout.
 * (Hand-written: ~20 lines over the injected clock; circuit-breaker packages such as opossum wrap the
 * call itself, bring their own timers and are not dependencies of the project.)
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openUntil = 0;

  constructor(private readonly options: { threshold: number; cooldownMs: number; clock: Clock; onOpen?: () => void }) {}

  /** Throws `circuit_open` while the breaker is open. */
  check(): void {
    const now = this.options.clock.now().getTime();
    if (now < this.openUntil) {
      throw new LlmFailure('circuit_open', `model skipped for ${Math.ceil((this.openUntil - now) / 1000)} s after repeated failures`);
    }
  }

  succeeded(): void {
    this.consecutiveFailures = 0;
  }

  failed(failure: LlmFailure): void {
    if (!failure.transient) return;
    this.consecutiveFailures++;
    if (this.consecutiveFailures >= this.options.threshold) {
      this.openUntil = this.options.clock.now().getTime() + this.options.cooldownMs;
      this.consecutiveFailures = 0;
      this.options.onOpen?.();
    }
  }
}
