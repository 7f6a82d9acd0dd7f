/**
 * 10,000 idle subscriptions: CPU (% of one core, from process.cpuUsage) and memory (RSS and heap after a
 * forced GC) of the running scheduler, compared with an empty bot (the same app with no subscriptions)
 * measured in the same process over the same length of time.
 *
 * "Idle" means no subscription falls due during the measurement (their times are spread over the hours
 * that follow), so what is measured is the scheduler's standing cost: its minute tick and its index.
 *
 *   npx tsx bench/idle.ts [--minutes 1] [--subscriptions 10000]
 * The figure is over 5 minutes (`--minutes 5`); the default is 1 so `npm run bench` stays short.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { BriefingTransport } from '../src/briefings/transport.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

// gc() without asking the caller for --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function memory(): { rss: number; heap: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const countingTransport = (): BriefingTransport & { sends: number } => ({
  name: 'bench',
  sends: 0,
  renderBriefing: () => [],
  async send() {
    this.sends++;
    return { messageId: String(this.sends) };
  },
});

/** CPU share of one core used by this process while it does nothing but run `app`'s scheduler for `ms`. */
async function measureCpu(ms: number): Promise<number> {
  const start = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / (performance.now() - t0);
}

const ZONES = ['Europe/Rome', 'America/New_York', 'Asia/Tokyo', 'Europe/London', 'Australia/Sydney', 'UTC', 'America/Sao_Paulo', 'Asia/Kolkata'];

/** A local HH:MM in `timezone` between 2 and 10 hours from now, so nothing is due while we measure. */
function laterTime(i: number, timezone: string): string {
  const at = new Date(Date.now() + (2 * 60 + (i % 480)) * 60_000);
  return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

async function openApp(dir: string): Promise<App> {
  return createApp(loadConfig({ STORE_URL: `sqlite://${join(dir, 'sitrep.sqlite')}`, BRIEFS_DIR: join(dir, 'briefs'), LOG_LEVEL: 'silent' }));
}

interface ChildResult {
  cpu: number;
  rss: number;
  heap: number;
  indexMs: number;
  indexed: number;
  sends: number;
}

/** One bot in its own process (so RSS compares like with like): start, wait for the index, measure. */
async function child(storeDir: string, expect: number, ms: number): Promise<void> {
  const app = await openApp(storeDir);
  const transport = countingTransport();
  const started = performance.now();
  app.briefings.start(transport);
  while (app.briefings.indexedCount < expect && performance.now() - started < 120_000) await new Promise((r) => setTimeout(r, 20));
  const indexMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const m0 = memory();
  const cpu = await measureCpu(ms);
  const m1 = memory();
  const result: ChildResult = {
    cpu,
    rss: Math.max(m0.rss, m1.rss),
    heap: Math.max(m0.heap, m1.heap),
    indexMs,
    indexed: app.briefings.indexedCount,
    sends: transport.sends,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await app.close();
  process.exit(0);
}

function spawnChild(storeDir: string, expect: number, ms: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', storeDir, String(expect), String(ms)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`idle child exited with ${code}`))));
  });
}

async function writeSubscriptions(dir: string, count: number): Promise<void> {
  const writer = await openApp(dir);
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, (_, k) => {
        const n = i + k;
        const timezone = ZONES[n % ZONES.length]!;
        const weekday = n % 5 === 0;
        const time = laterTime(n, timezone);
        const [h, m] = time.split(':');
        return writer.subscriptions.subscribe({
          guildId: `${100000 + (n % 500)}`,
          channelId: `${200000 + n}`,
          timezone,
          ...(weekday ? { cron: `${Number(m)} ${Number(h)} * * 1-5` } : { time }),
          topics: n % 3 === 0 ? 'Taiwan, sanctions' : undefined,
          createdBy: 'bench',
        });
      }),
    );
  }
  await writer.close();
}

export async function run(): Promise<void> {
  const minutes = arg('minutes', 1);
  const count = arg('subscriptions', 10_000);
  const ms = minutes * 60_000;
  const emptyDir = mkdtempSync(join(tmpdir(), 'sitrep-idle-empty-'));
  const loadedDir = mkdtempSync(join(tmpdir(), 'sitrep-idle-loaded-'));
  for (const dir of [emptyDir, loadedDir]) mkdirSync(join(dir, 'briefs'));
  try {
    console.log(
      `${count} idle subscriptions vs an empty bot, each in its own process, ${minutes} min side by side${minutes < 5 ? ' (the issue measures 5 min: --minutes 5)' : ''}`,
    );
    const writeStarted = performance.now();
    await writeSubscriptions(loadedDir, count);
    console.log(
      `  (${count} subscriptions written in ${((performance.now() - writeStarted) / 1000).toFixed(1)} s, times spread over the next 2-10 h so none falls due)`,
    );
    const [empty, loaded] = await Promise.all([spawnChild(emptyDir, 0, ms), spawnChild(loadedDir, count, ms)]);
    const rows: Array<[string, ChildResult]> = [
      ['empty bot', empty],
      [`${count} idle subscriptions`, loaded],
    ];
    for (const [name, r] of rows)
      console.log(`  ${name.padEnd(28)} cpu ${(r.cpu * 100).toFixed(3).padStart(7)} % of a core   rss ${mb(r.rss)}   heap ${mb(r.heap)}`);
    const cpuDelta = (loaded.cpu - empty.cpu) * 100;
    const rssDelta = loaded.rss - empty.rss;
    const heapDelta = loaded.heap - empty.heap;
    console.log(
      `  index of ${loaded.indexed} subscriptions built in ${loaded.indexMs.toFixed(0)} ms at start; ${loaded.sends} messages sent while idle (expected 0)`,
    );
    console.log(`  cpu over the empty bot: ${cpuDelta.toFixed(3)} % of a core (target < 1 %) ${cpuDelta < 1 ? 'OK' : 'OVER'}`);
    console.log(
      `  memory over the empty bot: rss ${rssDelta >= 0 ? '+' : ''}${mb(rssDelta)}, heap ${heapDelta >= 0 ? '+' : ''}${mb(heapDelta)} (target < 50 MB) ${Math.max(rssDelta, heapDelta) < 50 * 1024 * 1024 ? 'OK' : 'OVER'}`,
    );
  } finally {
    rmSync(emptyDir, { recursive: true, force: true });
    rmSync(loadedDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--child');
  if (i >= 0) await child(process.argv[i + 1]!, Number(process.argv[i + 2]), Number(process.argv[i + 3]));
  else await run();
}
