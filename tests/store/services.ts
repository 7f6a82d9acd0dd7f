// Throw-away servers for fault tests: a Redis of our own on a free loopback port (so CONFIG SET and trimming
// never touch the shared dev Redis) and a PostgreSQL database created for one test and dropped afterwards.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import pg from 'pg';

/** A loopback port nothing listens on right now (the OS picks it; we close it at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

export function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts `redis-server` (no persistence) on a free port; `stop()` shuts down exactly that server. */
export async function startRedis(
  extraArgs: string[] = [],
): Promise<{ url: string; port: number; cli(...args: string[]): string; stop(): void; restart(): Promise<void> }> {
  const port = await freePort();
  const launch = () =>
    execFileSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes', ...extraArgs]);
  launch();
  const password = extraArgs[extraArgs.indexOf('--requirepass') + 1];
  const auth = extraArgs.includes('--requirepass') ? ['-a', password!, '--no-auth-warning'] : [];
  const cli = (...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...auth, ...args], { encoding: 'utf8' }).trim();
  const listening = async () => {
    for (let i = 0; i < 100; i++) {
      try {
        if (cli('PING') === 'PONG') return;
      } catch {
        // not listening yet
      }
      await new Promise((done) => setTimeout(done, 50));
    }
  };
  await listening();
  const stop = () => {
    try {
      cli('SHUTDOWN', 'NOSAVE');
    } catch {
      // SHUTDOWN closes the connection before answering
    }
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    cli,
    stop,
    /** The same port again, empty (no persistence): as after a crash of a Redis without AOF. */
    restart: async () => {
      launch();
      await listening();
    },
  };
}

/** CREATE DATABASE on the test server; `drop()` ends its sessions and drops it. */
export async function throwAwayDatabase(adminUrl: string): Promise<{ url: string; name: string; admin(sql: string): Promise<unknown>; drop(): Promise<void> }> {
  const name = `sitrep_t_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    admin,
    drop: async () => {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
