import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` with no DISCORD_TOKEN, as a child process on a fresh store: shows the seed report, takes
 * commands on stdin, stays up after stdin closes, and exits cleanly on SIGTERM. (The 10 s start-up
 * target is measured in bench/local-start.ts, not asserted here.)
 */
const SEED_TITLE = 'China’s defence cooperation with Russia and Belarus';
const dir = mkdtempSync(join(tmpdir(), 'sitrep-start-'));
let child: ChildProcessWithoutNullStreams | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function waitFor(getText: () => string, pattern: RegExp | string, proc: ChildProcessWithoutNullStreams, timeoutMs = 25_000): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const matches = () => (typeof pattern === 'string' ? getText().includes(pattern) : pattern.test(getText()));
    if (matches()) return resolvePromise();
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${pattern}; output so far:\n${getText()}`));
    }, timeoutMs);
    const onData = () => {
      if (matches()) {
        cleanup();
        resolvePromise();
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`exited (${code}) before ${pattern}; output:\n${getText()}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      proc.stdout.off('data', onData);
      proc.off('exit', onExit);
    };
    proc.stdout.on('data', onData);
    proc.once('exit', onExit);
  });
}

describe('npm start in local mode', () => {
  it('shows the seed report, answers typed commands, stays up without stdin, stops on SIGTERM', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
      cwd: resolve(import.meta.dirname, '../..'),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        STORE_URL: `sqlite://${join(dir, 'sitrep.sqlite')}`,
        BRIEFS_DIR: resolve(import.meta.dirname, '../../briefs'),
        DISCORD_TOKEN: '',
        OPENAI_API_KEY: '',
        OPENAI_BASE_URL: '',
        LOG_LEVEL: 'warn',
      },
    });
    child = proc;
    let out = '';
    let err = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));

    await waitFor(() => out, SEED_TITLE, proc);
    expect(out).toContain('Sitrep — local mode');
    expect(out).toMatch(/Library: +1 report/);
    expect(out).toContain('id: specialeurasia-china-russia-belarus-defence-2023');

    proc.stdin.write('/report show report:"moscow conference"\n');
    await waitFor(() => out, 'Author: Guido Keller', proc);
    proc.stdin.write('/report latest count:99\n');
    await waitFor(() => out, 'Error: Option "count" must be between 1 and 10 (got 99)', proc);

    proc.stdin.end();
    await new Promise((r) => setTimeout(r, 1500));
    expect(proc.exitCode, `stderr:\n${err}`).toBeNull();

    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
