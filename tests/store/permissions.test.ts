import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import { tempDir } from '../reports/helpers.ts';

// A database the bot's user may not write, for real: the tests run as root (who may write anything), so the
// store is opened by a child process that drops to the unprivileged user `nobody` (uid 65534) with setpriv.
const NOBODY = 65534;
function canDropPrivileges(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function asNobody(url: string): Record<string, any> {
  const child = resolve(import.meta.dirname, 'as-user-child.ts');
  const result = spawnSync(
    'setpriv',
    ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', process.execPath, '--import', 'tsx', child, url],
    { cwd: resolve(import.meta.dirname, '../..'), env: { PATH: process.env.PATH, HOME: '/tmp' }, encoding: 'utf8', timeout: 60_000 },
  );
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('{')) throw new Error(`child failed: ${result.stderr}`);
  return JSON.parse(line);
}

/** A directory everyone may enter; `writable` decides whether `nobody` may create files in it. */
function sharedDir(writable: boolean): string {
  const tmp = tempDir('sitrep-perm-');
  cleanups.push(tmp.cleanup);
  chmodSync(tmp.dir, writable ? 0o1777 : 0o755);
  return tmp.dir;
}

async function seed(path: string) {
  const store = await createStore(`sqlite://${path}`);
  await store.kv('subscriptions').set('s1', { channel: 'c1' });
  await store.close();
}

describe.skipIf(!canDropPrivileges())("SQLite file permissions of the bot's user (as uid 65534 via setpriv)", () => {
  it('a file the user may not write opens read-only: reads work, every write is a StoreWriteError, health unwritable from the start', async () => {
    const path = join(sharedDir(true), 'sitrep.sqlite');
    await seed(path);
    chmodSync(path, 0o644); // owned by root
    const out = asNobody(`sqlite://${path}`);
    expect(out.error).toBeUndefined();
    expect(out.healthAtStart).toMatchObject({ writable: false, lastWriteError: 'the database was opened read-only' });
    expect(out.read).toEqual({ channel: 'c1' });
    for (const name of ['set', 'delete', 'claim', 'append']) {
      expect(out.writes[name]).toBe("StoreWriteError: I couldn't save that: the bot's database is not writable; nothing was changed.");
    }
    expect(out.health).toMatchObject({ writable: false, writeFailures: 4 });
    const after = await createStore(`sqlite://${path}`);
    cleanups.push(() => after.close());
    expect(await after.kv('subscriptions').get('s1')).toEqual({ channel: 'c1' });
    expect(await after.kv('subscriptions').get('s2')).toBeUndefined();
    expect(await after.getClaim('delivery:child')).toBeUndefined();
  }, 60_000);

  it('a directory the user may not write stops the start with advice about permissions, not about backups', () => {
    const dir = sharedDir(false);
    const out = asNobody(`sqlite://${join(dir, 'sitrep.sqlite')}`);
    expect(out.opened).toBeUndefined();
    expect(out.error.name).toBe('StoreOpenError');
    expect(out.error.message).toContain(join(dir, 'sitrep.sqlite'));
    expect(out.error.message).toMatch(/uid 65534/);
    expect(out.error.message).toMatch(/fix the owner or permissions/);
    expect(out.error.message).not.toMatch(/backup/);
  }, 60_000);

  it('a writable file in a directory the user may not write (no room for -wal/-shm) also gets the permission advice', async () => {
    const dir = sharedDir(true);
    const path = join(dir, 'sitrep.sqlite');
    await seed(path);
    chmodSync(path, 0o666);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'note'), 'the directory is root-only now');
    const out = asNobody(`sqlite://${path}`);
    expect(out.error?.name).toBe('StoreOpenError');
    expect(out.error.message).toMatch(/fix the owner or permissions/);
  }, 60_000);
});
