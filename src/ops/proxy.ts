import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { proxyRequests } from '@discordjs/proxy';
import { REST } from 'discord.js';
import type { Logger } from '../logger.ts';
import { restApiBase } from '../discord/rest.ts';
import { createShutdown } from './shutdown.ts';

export interface RestProxy {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The shared REST proxy of a fleet (@discordjs/proxy): one @discordjs/rest instance queues every process's
 * requests per bucket and under the token's global limit (50 requests/s), so N gateways and workers behind
 * it cannot cause 429 storms or the invalid-request ban. Each process sends its own Authorization header,
 * which the proxy passes on.
 */
export async function startRestProxy(opts: { upstream: string; port: number; host?: string; logger: Logger; globalRequestsPerSecond?: number }): Promise<RestProxy> {
  const rest = new REST({ api: restApiBase(opts.upstream), globalRequestsPerSecond: opts.globalRequestsPerSecond ?? 50 });
  rest.on('rateLimited', (info) => opts.logger.warn({ route: info.route, global: info.global, retryAfter: info.retryAfter }, 'upstream rate limit'));
  const handle = proxyRequests(rest);
  const server = createServer((req, res) => {
    Promise.resolve(handle(req, res)).catch((error: unknown) => {
      opts.logger.error({ err: error, url: req.url }, 'proxy request failed');
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'The Sitrep REST proxy could not reach Discord.', code: 0 }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  opts.logger.info({ port, upstream: opts.upstream }, 'REST proxy listening');
  return {
    port,
    url: `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1'}:${port}/api`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `sitrep proxy`: serves until SIGINT / SIGTERM. */
export async function runRestProxy(opts: { upstream: string; port: number; host?: string; logger: Logger; exitProcess?: boolean }): Promise<void> {
  const shutdown = createShutdown({ logger: opts.logger, exitProcess: opts.exitProcess });
  try {
    const proxy = await startRestProxy(opts);
    shutdown.add('proxy', () => proxy.close());
    await shutdown.requested;
  } finally {
    await shutdown.run();
    shutdown.dispose();
  }
}
