import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { populateErrorResponse, populateSuccessfulResponse } from '@discordjs/proxy';
import { REST, type RequestMethod } from 'discord.js';
import type { Logger } from '../logger.ts';
import { restApiBase } from '../discord/rest.ts';
import { createShutdown } from './shutdown.ts';
import { startOpsServer } from './server.ts';

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
export async function startRestProxy(opts: {
  upstream: string;
  port: number;
  host?: string;
  logger: Logger;
  globalRequestsPerSecond?: number;
}): Promise<RestProxy> {
  const rest = new REST({ api: restApiBase(opts.upstream), globalRequestsPerSecond: opts.globalRequestsPerSecond ?? 50 });
  rest.on('rateLimited', (info) => opts.logger.warn({ route: info.route, global: info.global, retryAfter: info.retryAfter }, 'upstream rate limit'));
  const handle = bufferedProxy(rest);
  const server = createServer((req, res) => {
    Promise.resolve(handle(req, res)).catch((error: unknown) => {
      opts.logger.error({ err: error, url: req.url }, 'proxy request failed');
      // proxyRequests ends the response itself (in a finally) even when it rethrows.
      if (res.writableEnded) return;
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

/**
 * @discordjs/proxy's `proxyRequests`, with one change: the request body is read into memory before it is
 * queued. `proxyRequests` streams the incoming request as the body, so when Discord answers 429 and
 * @discordjs/rest retries, the retry goes out with an empty body (Discord: 50035 "empty message") and the
 * message is lost; measured by bench/cluster.ts. Bodies here are small JSON (and the multipart of an
 * attachment at most), so buffering is cheap. Responses still go through the package's own helpers.
 */
function bufferedProxy(rest: REST): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'authorization', 'x-audit-log-reason'] as const) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const response = await rest.queueRequest({
        fullRoute: url.pathname.replace(/^\/api(\/v\d+)?/, '') as `/${string}`,
        method: (req.method ?? 'GET') as RequestMethod,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
        passThroughBody: true,
        // Each process's own Authorization header is passed on.
        auth: false,
        query: url.searchParams,
        headers,
      });
      await populateSuccessfulResponse(res, response);
    } catch (error) {
      if (!populateErrorResponse(res, error)) throw error;
    } finally {
      res.end();
    }
  };
}

/** `sitrep proxy`: serves until SIGINT / SIGTERM. */
export async function runRestProxy(opts: {
  upstream: string;
  port: number;
  host?: string;
  logger: Logger;
  exitProcess?: boolean;
  metricsPort?: number;
}): Promise<void> {
  const shutdown = createShutdown({ logger: opts.logger, exitProcess: opts.exitProcess });
  try {
    const proxy = await startRestProxy(opts);
    shutdown.add('proxy', () => proxy.close());
    if (opts.metricsPort !== undefined) {
      const ops = await startOpsServer({ port: opts.metricsPort, logger: opts.logger, probes: { proxy: () => true } });
      shutdown.add('ops server', () => ops.close());
    }
    await shutdown.requested;
  } finally {
    await shutdown.run();
    shutdown.dispose();
  }
}
