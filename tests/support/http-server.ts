import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What a route returns: a body with optional status/headers, or `handle` for full control (streams, hangs). */
export interface RouteResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type Route = RouteResponse | ((req: IncomingMessage, res: ServerResponse) => RouteResponse | void | Promise<RouteResponse | void>);

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

export interface TestHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Replace or add a route while running. */
  route(path: string, route: Route): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 for feed/article tests. Routes are keyed by path (with query string if
 * given, else by pathname). A function route can write the response itself (e.g. stream 50 MB or never end);
 * open sockets are destroyed on close so a hanging route cannot keep the test process alive.
 */
export async function startHttpServer(routes: Record<string, Route> = {}): Promise<TestHttpServer> {
  const table = new Map(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers });
    const route = table.get(url.pathname + url.search) ?? table.get(url.pathname);
    try {
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const result = typeof route === 'function' ? await route(req, res) : route;
      if (!result || res.headersSent || res.writableEnded) return;
      res.writeHead(result.status ?? 200, result.headers ?? {});
      res.end(result.body ?? '');
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    route(path, route) {
      table.set(path, route);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Streams `totalBytes` of `fill` in 64 KiB chunks with back-pressure and no Content-Length, stopping when
 * the client hangs up: a huge body that is never held in memory, for size-limit tests.
 */
export function streamFiller(res: ServerResponse, totalBytes: number, fill: number): void {
  const chunk = Buffer.alloc(64 * 1024, fill);
  let sent = 0;
  const pump = () => {
    while (sent < totalBytes) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('close', () => (sent = Infinity));
  pump();
}
