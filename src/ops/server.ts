import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.ts';
import { errorMessage } from '../core/errors.ts';
import { registry as defaultRegistry } from './metrics.ts';
import type { Registry } from 'prom-client';

/** A readiness check: true / false, or a detail; a throw or a timeout counts as not ready. */
export type Probe = () => Promise<boolean | { ok: boolean; detail?: string }> | boolean;

const PROBE_TIMEOUT_MS = 2_000;

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** Runs every probe (in parallel, each bounded): ready only when all of them are. */
export async function checkHealth(probes: Record<string, Probe>): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      try {
        const result = await Promise.race([
          Promise.resolve(probe()),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS).unref()),
        ]);
        return [name, typeof result === 'boolean' ? { ok: result } : result] as const;
      } catch (error) {
        return [name, { ok: false, detail: errorMessage(error) }] as const;
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  return { ok: entries.length > 0 && entries.every(([, c]) => c.ok), checks };
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** `/healthz` (200 ready / 503 not, JSON details) and `/metrics` (Prometheus text) on `port` (0 = any free one). */
export async function startOpsServer(opts: {
  port: number;
  host?: string;
  probes: Record<string, Probe>;
  logger: Logger;
  registry?: Registry;
}): Promise<OpsServer> {
  const registry = opts.registry ?? defaultRegistry;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    void (async () => {
      try {
        if (req.method === 'GET' && path === '/healthz') {
          const report = await checkHealth(opts.probes);
          res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report));
        } else if (req.method === 'GET' && path === '/metrics') {
          res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
        }
      } catch (error) {
        opts.logger.warn({ err: error, path }, 'ops endpoint failed');
        if (!res.headersSent) res.writeHead(500).end();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  opts.logger.info({ port }, 'serving /healthz and /metrics');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
