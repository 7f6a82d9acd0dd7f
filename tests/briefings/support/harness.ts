import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store } from '../../../src/store/index.ts';
import type { Clock } from '../../../src/app.ts';

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

/** A real SQLite store in a fresh temp dir. */
export async function tempStore(): Promise<{ store: Store; dir: string; url: string; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sitrep-briefings-'));
  const url = `sqlite://${join(dir, 'sitrep.sqlite')}`;
  const store = await createStore(url);
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
