// Worker-thread entry for ParsePool. Plain JavaScript so it starts the same way under tsx, the `sitrep`
// bin and vitest: it registers tsx itself, then loads the TypeScript parser.
import { register } from 'tsx/esm/api';

register();
await import('./parse-worker-main.ts');
