/**
 * Local mode start-up: time from spawning `sitrep start` (no DISCORD_TOKEN, fresh store) until the seed
 * report's title is on stdout, against the 10 s target of issue 2 — next to the cost of starting Node
 * alone and Node with tsx, which bounds what Sitrep itself can save. Also times typed commands
 * (`/report show`, `/summarise`, `/actors`) through the terminal from line to printed reply.
 *
 *   npx tsx bench/local-start.ts
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const SEED_TITLE = 'China’s defence cooperation with Russia and Belarus';
const TARGET_MS = 10_000;
const RUNS = 3;

function timeSync(args: string[]): number {
  const started = performance.now();
  spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  return performance.now() - started;
}

interface StartRun {
  toSeed: number;
  commands: Record<string, number>;
}

const COMMANDS: Array<[string, string, string]> = [
  ['/report show', '/report show report:"moscow conference"', 'Author: Guido Keller'],
  ['/summarise (first, uncached)', '/summarise report:specialeurasia-china-russia-belarus-defence-2023 length:detailed', 'Engine:'],
  ['/summarise (cached)', '/summarise report:specialeurasia-china-russia-belarus-defence-2023 length:detailed', 'Engine:'],
  ['/actors (7-day overview)', '/actors', 'Key actors of'],
];

async function startOnce(): Promise<StartRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sitrep-bench-start-'));
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      STORE_URL: `sqlite://${join(dir, 's.sqlite')}`,
      BRIEFS_DIR: join(ROOT, 'briefs'),
      DISCORD_TOKEN: '',
      OPENAI_API_KEY: '',
      OPENAI_BASE_URL: '',
      LOG_LEVEL: 'warn',
    },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const waitFor = (needle: string, from: number) =>
    new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`timed out waiting for ${needle}:\n${out}`)), 60_000);
      const check = () => {
        if (out.indexOf(needle, from) >= 0) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          res();
        }
      };
      child.stdout.on('data', check);
      check();
    });
  try {
    await waitFor(SEED_TITLE, 0);
    const toSeed = performance.now() - started;
    await waitFor('Type a command', 0);
    const commands: Record<string, number> = {};
    for (const [name, line, needle] of COMMANDS) {
      const from = out.length;
      const t0 = performance.now();
      child.stdin.write(`${line}\n`);
      await waitFor(needle, from);
      commands[name] = performance.now() - t0;
    }
    return { toSeed, commands };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function run(): Promise<void> {
  const node = median(Array.from({ length: RUNS }, () => timeSync(['-e', '0'])));
  const tsx = median(Array.from({ length: RUNS }, () => timeSync(['--import', 'tsx', '-e', '0'])));
  const runs: StartRun[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await startOnce());
  const toSeed = median(runs.map((r) => r.toSeed));
  const rows: Array<[string, number, string]> = [
    ['node -e 0 (floor)', node, `${(node / TARGET_MS).toFixed(3)}× target`],
    ['node --import tsx -e 0', tsx, `${(tsx / TARGET_MS).toFixed(3)}× target`],
    ['sitrep start → seed title', toSeed, `${(toSeed / TARGET_MS).toFixed(3)}× target, ${(toSeed / tsx).toFixed(1)}× tsx start`],
    ['target (issue 2)', TARGET_MS, '1.000× target'],
  ];
  console.log(`local mode start-up, median of ${RUNS} runs on a fresh SQLite store`);
  for (const [name, ms, note] of rows) console.log(`  ${name.padEnd(30)} ${ms.toFixed(0).padStart(6)} ms   ${note}`);
  console.log('typed command → printed reply (median, offline engine)');
  for (const [name] of COMMANDS)
    console.log(
      `  ${name.padEnd(30)} ${median(runs.map((r) => r.commands[name]!))
        .toFixed(1)
        .padStart(8)} ms`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
