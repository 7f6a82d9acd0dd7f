// Child process for the kill -9 test: writes, reports "written", then idles until killed.
import { createStore } from '../../src/store/index.ts';

const store = await createStore(process.argv[2]!);
const kv = store.kv<{ n: number }>('reports');
for (let n = 0; n < 50; n++) await kv.set(`r${n}`, { n });
await store.claim('delivery:kill-test', { by: 'child' });
process.stdout.write('written\n');
setInterval(() => undefined, 1_000);
