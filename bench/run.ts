/**
 * `npm run bench`: runs every benchmark in one process, one after the other, each printing its own
 * side-by-side comparison and ratios. `npm run bench -- ingest analysis` runs only those.
 */
const suites: Record<string, string> = {
  ingest: './ingest.ts',
  store: './store.ts',
  fidelity: './fidelity.ts',
  analysis: './analysis.ts',
  llm: './llm.ts',
  discord: './discord.ts',
  fanout: './fanout.ts',
  idle: './idle.ts',
  'local-start': './local-start.ts',
  cluster: './cluster.ts',
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(suites);
let failed = 0;
for (const name of names) {
  const path = suites[name];
  if (!path) {
    console.error(`unknown benchmark "${name}"; choose from: ${Object.keys(suites).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  console.log(`\n=== bench: ${name} ===`);
  const started = performance.now();
  try {
    const mod = (await import(path)) as { run?: () => Promise<void> };
    if (typeof mod.run !== 'function') throw new Error(`${path} does not export run()`);
    await mod.run();
    console.log(`=== ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s ===`);
  } catch (error) {
    failed += 1;
    console.error(`=== ${name} failed: ${error instanceof Error ? error.message : String(error)} ===`);
  }
}
if (failed > 0) process.exitCode = 1;
