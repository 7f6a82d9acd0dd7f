import { spawnSync } from 'node:child_process';
import { openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, StoreOpenError, StoreWriteError, type Store } from '../../src/store/index.ts';
import { tempDir } from '../reports/helpers.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempPath(): string {
  const tmp = tempDir('sitrep-faults-');
  cleanups.push(tmp.cleanup);
  return join(tmp.dir, 'sitrep.sqlite');
}

async function open(path: string, sqlitePragmas?: Record<string, number>): Promise<Store> {
  const store = await createStore(`sqlite://${path}`, { sqlitePragmas });
  cleanups.push(() => store.close());
  return store;
}

/** A rejection's error, failing the test when the promise resolved instead. */
async function refusal(promise: Promise<unknown>): Promise<StoreWriteError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`the write was confirmed (resolved with ${JSON.stringify(outcome.value)})`);
  expect(outcome.error).toBeInstanceOf(StoreWriteError);
  return outcome.error as StoreWriteError;
}

describe('SQLite write faults', () => {
  it('a full database refuses the write with StoreWriteError, keeps what was confirmed and reports it in health()', async () => {
    const path = tempPath();
    // max_page_count makes SQLite answer SQLITE_FULL for real once the file would grow past 16 pages.
    const store = await open(path, { max_page_count: 16 });
    const kv = store.kv<string>('reports');
    const confirmed: string[] = [];
    let refused: StoreWriteError | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      try {
        await kv.set(`r${i}`, 'x'.repeat(3000));
        confirmed.push(`r${i}`);
      } catch (error) {
        expect(error).toBeInstanceOf(StoreWriteError);
        refused = error as StoreWriteError;
      }
    }
    expect(refused?.code).toBe('store_write_failed');
    expect(refused?.message).toBe("I couldn't save that: the bot's database is not writable; nothing was changed.");
    expect(confirmed.length).toBeGreaterThan(0);
    expect(store.health()).toMatchObject({ writable: false, writeFailures: 1 });
    expect(store.health().lastWriteError).toMatch(/full/i);
    await refusal(store.claim('delivery:full', { big: 'y'.repeat(20_000) }));
    await refusal(store.putMany('reports', [{ key: 'bulk', value: 'z'.repeat(20_000) }]));
    const failedKey = `r${confirmed.length}`;
    await store.close();

    const reopened = await open(path);
    for (const key of confirmed) expect(await reopened.kv('reports').get(key)).toHaveLength(3000);
    expect(await reopened.kv('reports').get(failedKey)).toBeUndefined();
    expect(await reopened.getClaim('delivery:full')).toBeUndefined();
  });

  it('a read-only database refuses every kind of write and is unwritable in health() from the start', async () => {
    const path = tempPath();
    const writer = await open(path);
    await writer.kv('subscriptions').set('s1', { channel: 'c1' });
    await writer.claim('delivery:ro', { n: 1 });
    await writer.close();

    // Tests run as root, so chmod would not stop writes; query_only makes the connection refuse them.
    const store = await open(path, { query_only: 1 });
    expect(store.health().writable).toBe(false);
    const subs = store.kv('subscriptions');
    await refusal(subs.set('s2', { channel: 'c2' }));
    await refusal(subs.delete('s1'));
    await refusal(subs.clear());
    await refusal(store.claim('delivery:ro2', {}));
    await refusal(store.updateClaimIf('delivery:ro', 1, { n: 2 }));
    await refusal(store.changes.append('reports', 'x'));
    expect(await subs.get('s1')).toEqual({ channel: 'c1' }); // reads still work; nothing changed
    expect(await store.readClaim('delivery:ro')).toEqual({ value: { n: 1 }, generation: 1 });
  });

  it('a healthy store is writable, and deleting a missing key is not a failure', async () => {
    const store = await open(tempPath());
    await store.kv('a').set('k', 1);
    expect(await store.kv('a').delete('missing')).toBe(false);
    expect(store.health()).toEqual({ writable: true, writeFailures: 0 });
  });

  it('a file that is not a database stops the start with a message naming the file and what to do', async () => {
    const path = tempPath();
    writeFileSync(path, Buffer.from('this is not an SQLite database, just garbage bytes '.repeat(200)));
    const error = await createStore(`sqlite://${path}`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/restore it from a backup, or move it aside/i);
  });

  it('the CLI stops at a corrupt file with that message, not "unexpected error"', () => {
    const path = tempPath();
    writeFileSync(path, Buffer.alloc(9000, 0x42));
    const cli = resolve(import.meta.dirname, '../../src/cli.ts');
    const result = spawnSync(process.execPath, ['--import', 'tsx', cli, 'reports', 'list'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, STORE_URL: `sqlite://${path}` },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`sitrep: The SQLite store ${path} cannot be used`);
    expect(result.stderr).toMatch(/move it aside/);
    expect(result.stderr).not.toMatch(/unexpected error/);
  }, 60_000);

  it('a database with damaged pages fails the integrity check at start', async () => {
    const path = tempPath();
    const writer = await open(path);
    await writer.putMany(
      'reports',
      Array.from({ length: 300 }, (_, i) => ({ key: `r${String(i).padStart(3, '0')}`, value: { text: `report ${i} `.repeat(20) } })),
    );
    await writer.close();
    const size = readFileSync(path).length;
    expect(size).toBeGreaterThan(16 * 4096);
    // Garbage over pages 3..6 (the header and the schema page stay intact, so the file still opens).
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4 * 4096, 0x5a), 0, 4 * 4096, 2 * 4096);
    closeSync(fd);
    const error = await createStore(`sqlite://${path}`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as Error).message).toContain(path);
  });

  it('stops taking writes once its file is deleted while running (instead of confirming writes that a restart loses)', async () => {
    const path = tempPath();
    const store = await open(path);
    await store.kv('subscriptions').set('before', 1);
    expect(store.health().writable).toBe(true);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    expect(store.health()).toMatchObject({ writable: false, lastWriteError: expect.stringMatching(/moved or deleted/) }); // before any write
    const error = await refusal(store.kv('subscriptions').set('after', 2));
    expect(error.message).toMatch(/database file was moved or deleted/);
    await refusal(store.claim('delivery:after', {}));
    expect(store.health().writable).toBe(false);
  });

  it('stops taking writes once its file is replaced by another one', async () => {
    const path = tempPath();
    const store = await open(path);
    await store.kv('subscriptions').set('before', 1);
    const other = await open(`${path}.other`);
    await other.close();
    renameSync(`${path}.other`, path);
    await refusal(store.kv('subscriptions').set('after', 2));
    await refusal(store.putMany('subscriptions', [{ key: 'bulk', value: 3 }]));
  });
});

const postgresUrl = process.env.SITREP_TEST_POSTGRES_URL;
describe.skipIf(!postgresUrl)('PostgreSQL write faults (SITREP_TEST_POSTGRES_URL)', () => {
  it('a write the database refuses (a key longer than the keyv table allows) is a StoreWriteError, not a silent false', async () => {
    const store = await createStore(postgresUrl!);
    cleanups.push(() => store.close());
    const ns = `fault-${process.pid}-${Date.now()}`;
    const error = await refusal(store.kv(ns).set('k'.repeat(300), { lost: true }));
    expect(error.code).toBe('store_write_failed');
    expect(store.health().writable).toBe(false);
    expect(store.health().lastWriteError).toMatch(/too long/);
    await store.kv(ns).set('short', 1);
    expect(store.health().writable).toBe(true); // the next write that is taken makes it healthy again
    await store.kv(ns).clear();
  });
});
