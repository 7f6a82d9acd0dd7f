/**
 * A loopback stand-in for Discord's "create message" route (POST /api[/vN]/channels/:id/messages) that
 * records every message it receives. Like Discord it honours `nonce` + `enforce_nonce: true` (a repeat
 * of a nonce in the same channel within the nonce window returns the message already created instead of
 * posting again; after the window the nonce is forgotten, as Discord's is after a few minutes) and can
 * enforce the global limit of N requests per second with 429 + retry-after + x-ratelimit-global.
 * Used by the kill -9 test and bench/fanout.ts; the full Discord-compatible server is tests/support/discord.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedMessage {
  id: string;
  channelId: string;
  nonce?: string;
  body: Record<string, unknown>;
  at: number;
}

export interface RecorderOptions {
  /** Global requests per second (Discord: 50). */
  ratePerSecond?: number;
  /** Channel ids that answer 404 Unknown Channel. */
  unknownChannels?: Set<string>;
  /** How long a nonce is remembered (Discord: a few minutes; default 5 minutes). */
  nonceWindowMs?: number;
}

export interface Recorder {
  apiUrl: string;
  readonly messages: RecordedMessage[];
  /** Requests that repeated an already-used nonce (dropped, as Discord does). */
  readonly repeatedNonces: number;
  /** 429 answers given. */
  readonly rateLimited: number;
  readonly requests: number;
  onMessage(listener: (message: RecordedMessage, count: number) => void): void;
  byChannel(): Map<string, RecordedMessage[]>;
  close(): Promise<void>;
}

export async function startRecorder(options: RecorderOptions = {}): Promise<Recorder> {
  const messages: RecordedMessage[] = [];
  const nonces = new Map<string, RecordedMessage>();
  const listeners: Array<(m: RecordedMessage, n: number) => void> = [];
  let repeatedNonces = 0;
  let rateLimited = 0;
  let requests = 0;
  let seq = 0;
  // Fixed one-second windows, as Discord's global limit behaves for a bot.
  let windowStart = 0;
  let windowCount = 0;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      const match = /^\/api(?:\/v\d+)?\/channels\/([\w-]+)\/messages$/.exec(req.url?.split('?')[0] ?? '');
      if (req.method !== 'POST' || !match) return send(res, 404, { message: '404: Not Found', code: 0 });
      if (options.ratePerSecond) {
        const now = Date.now();
        if (now - windowStart >= 1000) {
          windowStart = now;
          windowCount = 0;
        }
        if (++windowCount > options.ratePerSecond) {
          rateLimited++;
          const retryAfter = Math.max(0.001, (1000 - (now - windowStart)) / 1000);
          return send(
            res,
            429,
            { message: 'You are being rate limited.', retry_after: retryAfter, global: true },
            {
              'retry-after': String(Math.ceil(retryAfter)),
              'x-ratelimit-global': 'true',
              'x-ratelimit-scope': 'global',
            },
          );
        }
      }
      const channelId = match[1]!;
      if (options.unknownChannels?.has(channelId)) return send(res, 404, { message: 'Unknown Channel', code: 10003 });
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        return send(res, 400, { message: 'Invalid JSON', code: 50109 });
      }
      const nonce = body.nonce === undefined ? undefined : String(body.nonce);
      if (nonce && body.enforce_nonce) {
        const previous = nonces.get(`${channelId}:${nonce}`);
        if (previous && Date.now() - previous.at <= (options.nonceWindowMs ?? 5 * 60_000)) {
          repeatedNonces++;
          return send(res, 200, { id: previous.id, channel_id: channelId, nonce });
        }
      }
      const message: RecordedMessage = { id: String(1_000_000 + ++seq), channelId, nonce, body, at: Date.now() };
      messages.push(message);
      if (nonce) nonces.set(`${channelId}:${nonce}`, message);
      send(res, 200, { id: message.id, channel_id: channelId, nonce });
      for (const listener of listeners) listener(message, messages.length);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    messages,
    get repeatedNonces() {
      return repeatedNonces;
    },
    get rateLimited() {
      return rateLimited;
    },
    get requests() {
      return requests;
    },
    onMessage: (listener) => void listeners.push(listener),
    byChannel() {
      const out = new Map<string, RecordedMessage[]>();
      for (const m of messages) out.set(m.channelId, [...(out.get(m.channelId) ?? []), m]);
      return out;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
