// Child for the permission tests, run as an unprivileged user: opens the store, reads, tries each kind of
// write and prints what happened as one JSON line.
import { createStore } from '../../src/store/index.ts';

const out: Record<string, unknown> = {};
try {
  const store = await createStore(process.argv[2]!);
  out.opened = true;
  out.healthAtStart = store.health();
  out.read = await store.kv('subscriptions').get('s1');
  const writes: Record<string, string> = {};
  const attempts: Array<[string, () => Promise<unknown>]> = [
    ['set', () => store.kv('subscriptions').set('s2', { channel: 'c2' })],
    ['delete', () => store.kv('subscriptions').delete('s1')],
    ['claim', () => store.claim('delivery:child', {})],
    ['append', () => store.changes.append('subscriptions', 's2')],
  ];
  for (const [name, write] of attempts) {
    writes[name] = await write().then(
      () => 'confirmed',
      (error: Error) => `${error.name}: ${error.message}`,
    );
  }
  out.writes = writes;
  out.health = store.health();
  await store.close();
} catch (error) {
  out.error = { name: (error as Error).name, message: (error as Error).message };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
