// Child process for the cross-process change log test: writes a row, appends its change, prints the seq.
import { createStore } from '../../src/store/index.ts';

const store = await createStore(process.argv[2]!);
await store.kv('reports').set('from-child', { by: 'child' });
const seq = await store.changes.append('reports', 'from-child');
process.stdout.write(`${seq}\n`);
await store.close();
