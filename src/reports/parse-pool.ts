import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fromStored, type StoredReport } from './report-codec.ts';
import type { Report } from './types.ts';

const WORKER_OLD_MB = Number(process.env.SITREP_WORKER_OLD_MB) || 96;
const WORKER_YOUNG_MB = Number(process.env.SITREP_WORKER_YOUNG_MB) || 8;

interface Pending {
  resolve(report: Report): void;
  reject(error: Error): void;
}

/**
 * Parses report files on worker threads so that a large folder uses more than one core: parsing is about
 * half of ingestion's CPU, and the main thread is left with indexing and store writes. Used only for big
 * folders; `create` returns undefined when workers cannot start (the caller then parses in-thread).
 */
export class ParsePool {
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private readonly dead = new Set<Worker>();
  private turn = 0;

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on('message', (msg: { id: number; report?: StoredReport; error?: { message: string; code?: string } }) => {
        const job = this.pending.get(msg.id);
        if (!job) return;
        this.pending.delete(msg.id);
        const report = msg.report && fromStored(msg.report);
        if (report) job.resolve(report);
        else job.reject(Object.assign(new Error(msg.error?.message ?? 'parse failed'), { code: msg.error?.code }));
      });
      worker.on('error', (error) => this.failAll(error));
      worker.on('exit', () => {
        this.dead.add(worker);
        this.failAll(new Error('parse worker stopped'));
      });
    }
  }

  static async create(size = Math.max(1, Math.min(4, availableParallelism() - 1))): Promise<ParsePool | undefined> {
    const workers: Worker[] = [];
    try {
      for (let i = 0; i < size; i++) {
        // Small heap limits keep each worker's garbage (file text, intermediate strings) collected early, which
        // is most of ingestion's peak memory; a file too big for them is parsed again in-thread by the caller.
        const worker = new Worker(new URL('./parse-worker.mjs', import.meta.url), {
          resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
        });
        workers.push(worker);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('parse worker did not start')), 15_000);
          worker.once('message', () => {
            clearTimeout(timer);
            resolve();
          });
          worker.once('error', (error) => {
            clearTimeout(timer);
            reject(error);
          });
        });
      }
      return new ParsePool(workers);
    } catch (error) {
      process.emitWarning(`report parsing stays on the main thread: ${(error as Error).message}`);
      await Promise.all(workers.map((w) => w.terminate()));
      return undefined;
    }
  }

  /** Rejects (without a `code`) when the worker is gone; the caller then parses in-thread. */
  parse(path: string, now: Date): Promise<Report> {
    const id = this.next++;
    const live = this.workers.filter((w) => !this.dead.has(w));
    if (live.length === 0) return Promise.reject(new Error('parse workers stopped'));
    const worker = live[this.turn++ % live.length]!;
    return new Promise<Report>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, path, now: now.toISOString() });
    });
  }

  private failAll(error: Error): void {
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    for (const w of this.workers) this.dead.add(w);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
