import { afterEach, describe, expect, it } from 'vitest';
import { createStore, StoreOpenError, StoreWriteError, type Store } from '../../src/store/index.ts';
import { freePort, hasRedisServer, startRedis, throwAwayDatabase } from './services.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function opened(url: string): Promise<Store> {
  const store = await createStore(url);
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

async function openError(url: string): Promise<StoreOpenError> {
  const outcome = await createStore(url).then(
    async (store) => {
      await store.close();
      return undefined;
    },
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(StoreOpenError);
  return outcome as StoreOpenError;
}

describe.skipIf(!hasRedisServer())('Redis faults (a redis-server of our own)', () => {
  it('out of memory (maxmemory 1, noeviction): every kind of write is a StoreWriteError and nothing is confirmed', async () => {
    const server = await startRedis();
    cleanups.push(() => server.stop());
    const store = await opened(server.url);
    await store.kv('subscriptions').set('before', { ok: true });
    await store.claim('delivery:before', { n: 1 });
    const head = await store.changes.head();

    server.cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    server.cli('CONFIG', 'SET', 'maxmemory', '1');
    const error = await refusal(store.kv('subscriptions').set('lost', { ok: false }));
    expect(error.message).toBe("I couldn't save that: the bot's database is not writable; nothing was changed.");
    expect(store.health()).toMatchObject({ writable: false, lastWriteError: expect.stringMatching(/OOM/) });
    await refusal(store.putMany('subscriptions', [{ key: 'bulk', value: 1 }]));
    await refusal(store.claim('delivery:lost', { n: 1 }));
    await refusal(store.updateClaimIf('delivery:before', 1, { n: 2 }));
    await refusal(store.changes.append('subscriptions', 'lost'));
    expect(await store.kv('subscriptions').get('before')).toEqual({ ok: true }); // reads still work
    expect(await store.readClaim('delivery:before')).toEqual({ value: { n: 1 }, generation: 1 });
    expect(store.health().writeFailures).toBe(5);

    server.cli('CONFIG', 'SET', 'maxmemory', '0');
    expect(await store.kv('subscriptions').get('lost')).toBeUndefined();
    expect(await store.kv('subscriptions').get('bulk')).toBeUndefined();
    expect(await store.getClaim('delivery:lost')).toBeUndefined();
    expect(await store.readClaim('delivery:before')).toEqual({ value: { n: 1 }, generation: 1 });
    expect(await store.changes.head()).toBe(head);
    await store.kv('subscriptions').set('after', 1);
    expect(store.health().writable).toBe(true);
  });

  it('lost while running: writes are refused at once (not queued until Redis is back), and taken again after it returns', async () => {
    const server = await startRedis();
    cleanups.push(() => server.stop());
    const store = await opened(server.url);
    await store.kv('subscriptions').set('before', 1);
    server.stop();
    await new Promise((done) => setTimeout(done, 200));
    // /healthz turns unready before any write fails…
    expect(store.health()).toMatchObject({ writable: false, lastWriteError: expect.stringMatching(/connection to Redis .* is down/), writeFailures: 0 });
    await refusal(store.kv('subscriptions').set('during', 2));
    await refusal(store.claim('delivery:during', {}));
    await refusal(store.changes.append('subscriptions', 'during'));
    expect(store.health()).toMatchObject({ writable: false, writeFailures: 3 });

    await server.restart();
    let taken = false;
    for (let i = 0; i < 100 && !taken; i++) {
      taken = await store
        .kv('subscriptions')
        .set('after', 3)
        .then(
          () => true,
          async () => {
            await new Promise((done) => setTimeout(done, 100)); // reconnecting
            return false;
          },
        );
    }
    expect(taken).toBe(true);
    expect(store.health()).toMatchObject({ writable: true });
    expect(await store.kv('subscriptions').get('after')).toBe(3);
    expect(await store.claim('delivery:after', {})).toBe(true);
    expect(store.health().writable).toBe(true);
  });

  it('sends each script once (EVALSHA afterwards) and recovers when the server forgets them', async () => {
    const server = await startRedis();
    cleanups.push(() => server.stop());
    const store = await opened(server.url);
    const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(server.cli('INFO', 'commandstats'))?.[1] ?? 0);
    for (let i = 0; i < 20; i++) {
      await store.claim(`c${i}`, { i });
      await store.updateClaimIf(`c${i}`, 1, { i, again: true });
      await store.readClaim(`c${i}`);
      await store.changes.append('ns', `k${i}`);
    }
    expect(calls('evalsha')).toBe(80);
    expect(calls('eval')).toBe(4); // one NOSCRIPT fallback per script, the first time it ran
    server.cli('SCRIPT', 'FLUSH');
    expect(await store.claim('after-flush', {})).toBe(true);
    expect(await store.readClaim('after-flush')).toEqual({ value: {}, generation: 1 });
    expect(calls('eval')).toBe(6);
  });

  it('a closed port stops the start with StoreOpenError naming the URL (without its password) and what to check', async () => {
    const port = await freePort();
    const error = await openError(`redis://sitrep:s3cret-pass@127.0.0.1:${port}`);
    expect(error.code).toBe('store_open_failed');
    expect(error.message).toContain(`redis://sitrep:***@127.0.0.1:${port}`);
    expect(error.message).not.toContain('s3cret-pass');
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).toMatch(/Check that Redis is running and reachable at 127\.0\.0\.1:\d+/);
  });

  it('a wrong password stops the start with StoreOpenError that says to check the credentials', async () => {
    const server = await startRedis(['--requirepass', 'right-one']);
    cleanups.push(() => server.stop());
    const error = await openError(`redis://default:wrong-one@127.0.0.1:${server.port}`);
    expect(error.message).not.toContain('wrong-one');
    expect(error.message).toMatch(/WRONGPASS|invalid username-password/);
    expect(error.message).toMatch(/Check the user name and password in STORE_URL/);
    const noPassword = await openError(server.url);
    expect(noPassword.message).toMatch(/NOAUTH/);
    // The right password opens it.
    const store = await opened(`redis://default:right-one@127.0.0.1:${server.port}`);
    await store.ping();
  });
});

const postgresUrl = process.env.SITREP_TEST_POSTGRES_URL;
describe.skipIf(!postgresUrl)('PostgreSQL faults (throw-away databases on SITREP_TEST_POSTGRES_URL)', () => {
  it('a database that turns read-only while the store runs: writes are StoreWriteErrors, nothing changes; reopened, it serves reads', async () => {
    const db = await throwAwayDatabase(postgresUrl!);
    cleanups.push(() => db.drop());
    const store = await opened(db.url);
    await store.kv('subscriptions').set('before', { ok: true });
    await store.claim('delivery:before', { n: 1 });
    const head = await store.changes.append('subscriptions', 'before');

    await db.admin(`ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
    // The setting reaches new sessions: end the store's pooled ones, as a failover to a standby would.
    await db.admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}' AND pid <> pg_backend_pid()`);
    await new Promise((done) => setTimeout(done, 100));
    const attempt = async <T>(write: () => Promise<T>) => {
      // The first use of a pooled connection that was terminated may fail with that instead: also a refusal.
      const error = await refusal(write());
      return error;
    };
    await attempt(() => store.kv('subscriptions').set('lost', { ok: false }));
    await attempt(() => store.kv('subscriptions').set('lost', { ok: false }));
    expect(store.health()).toMatchObject({ writable: false, lastWriteError: expect.stringMatching(/read-only transaction/) });
    await attempt(() => store.putMany('subscriptions', [{ key: 'bulk', value: 1 }]));
    await attempt(() => store.claim('delivery:lost', {}));
    await attempt(() => store.updateClaimIf('delivery:before', 1, { n: 2 }));
    await attempt(() => store.changes.append('subscriptions', 'lost'));
    await attempt(() => store.kv('subscriptions').delete('before'));
    expect(await store.kv('subscriptions').get('before')).toEqual({ ok: true });

    // A process started now opens it read-only: reads work, health says unwritable from the start.
    const reader = await opened(db.url);
    expect(reader.health().writable).toBe(false);
    expect(await reader.kv('subscriptions').get('before')).toEqual({ ok: true });
    expect(await reader.kv('subscriptions').get('lost')).toBeUndefined();
    expect(await reader.kv('subscriptions').get('bulk')).toBeUndefined();
    expect(await reader.getClaim('delivery:lost')).toBeUndefined();
    expect(await reader.readClaim('delivery:before')).toEqual({ value: { n: 1 }, generation: 1 });
    expect(await reader.changes.head()).toBe(head);
    await refusal(reader.kv('subscriptions').set('x', 1));
  });

  it('connections ended under a running store: a write is refused or taken, never confirmed falsely, and the store recovers', async () => {
    const db = await throwAwayDatabase(postgresUrl!);
    cleanups.push(() => db.drop());
    const store = await opened(db.url);
    await store.kv('subscriptions').set('before', 1);
    await db.admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}' AND pid <> pg_backend_pid()`);
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        await store
          .kv('subscriptions')
          .set(`after${i}`, i)
          .then(
            () => 'taken',
            (error: unknown) => (error instanceof StoreWriteError ? 'refused' : `other: ${String(error)}`),
          ),
      );
    }
    expect(outcomes.every((o) => o === 'taken' || o === 'refused')).toBe(true);
    expect(outcomes.at(-1)).toBe('taken'); // the pool replaced the ended connections
    const reader = await opened(db.url);
    for (let i = 0; i < 3; i++) expect(await reader.kv('subscriptions').get(`after${i}`)).toBe(outcomes[i] === 'taken' ? i : undefined);
    expect(store.health().writable).toBe(true);
  });

  it("a read-only database without the store's tables stops the start and says why", async () => {
    const db = await throwAwayDatabase(postgresUrl!);
    cleanups.push(() => db.drop());
    await db.admin(`ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
    const error = await openError(db.url);
    expect(error.message).toMatch(/read-only/);
    expect(error.message).toMatch(/open it once writable/);
  });

  it('a closed port, an unknown database and an unknown user each stop the start with StoreOpenError', async () => {
    const port = await freePort();
    const refused = await openError(`postgres://sitrep:pw-secret@127.0.0.1:${port}/sitrep`);
    expect(refused.message).toContain(`postgres://sitrep:***@127.0.0.1:${port}/sitrep`);
    expect(refused.message).not.toContain('pw-secret');
    expect(refused.message).toMatch(/ECONNREFUSED/);
    expect(refused.message).toMatch(/Check that PostgreSQL is running and reachable at 127\.0\.0\.1:\d+/);

    const base = new URL(postgresUrl!);
    const missing = new URL(base);
    missing.pathname = `/sitrep_missing_${process.pid}`;
    const noDb = await openError(missing.toString());
    expect(noDb.message).toMatch(/does not exist/);
    expect(noDb.message).toContain(`createdb sitrep_missing_${process.pid}`);

    const stranger = new URL(base);
    stranger.username = `sitrep_nobody_${process.pid}`;
    stranger.password = 'not-shown';
    const noRole = await openError(stranger.toString());
    expect(noRole.message).not.toContain('not-shown');
    expect(noRole.message).toMatch(/Check the user name and password/);
  });
});
