import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import type { Config } from '../config.ts';
import { UserError } from '../core/errors.ts';
import { addressRefusal } from './address-policy.ts';
import { decodeBody, parseContentType } from './charset.ts';

export const USER_AGENT = 'Sitrep/0.1 (+https://github.com/sitrep-bot/sitrep)';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to every address it has (injectable so tests need no real DNS). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export type FetchKind = 'article' | 'feed' | 'any';

export interface SafeFetchOptions {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  allowPrivate: boolean;
  userAgent?: string;
  resolver?: Resolver;
  /**
   * Maps a vetted address to the one actually dialled. Identity in production; tests use it to route a
   * "public" address to a loopback server so redirect-to-private can be tested without the network.
   */
  dial?: (vetted: ResolvedAddress, hostname: string) => ResolvedAddress;
}

export interface FetchRequest {
  kind?: FetchKind;
  etag?: string;
  lastModified?: string;
  /** Per-request override of the byte limit. */
  maxBytes?: number;
}

export interface FetchResponse {
  /** 200 with a body, or 304 when the conditional GET says nothing changed. */
  status: number;
  notModified: boolean;
  /** Final URL after redirects. */
  url: string;
  contentType?: string;
  charset?: string;
  body: Buffer;
  /** Body decoded with the charset from the header, BOM, XML prolog or HTML meta (UTF-8 by default). */
  text: string;
  etag?: string;
  lastModified?: string;
}

/** A refusal or failure of an outgoing fetch, with a message that names the reason. */
export class FetchError extends UserError {
  constructor(
    message: string,
    code: 'fetch_refused' | 'fetch_timeout' | 'fetch_too_large' | 'fetch_http' | 'fetch_type' | 'fetch_failed' | 'fetch_redirects',
    readonly status?: number,
  ) {
    super(message, code);
    this.name = 'FetchError';
  }
}

/** Thrown from inside the socket lookup; unwrapped from undici's connect error into a FetchError. */
class RefusedAddressError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const ACCEPT: Record<FetchKind, string> = {
  article: 'text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.8,*/*;q=0.1',
  feed: 'application/feed+json,application/rss+xml,application/atom+xml,application/rdf+xml,application/xml;q=0.9,text/xml;q=0.9,application/json;q=0.8,*/*;q=0.1',
  any: '*/*',
};

function typeAllowed(kind: FetchKind, type: string | undefined): boolean {
  if (!type || kind === 'any') return true; // no header: let the parser sniff
  if (/^(image|audio|video|font)\//.test(type)) return false;
  if (/^application\/(pdf|zip|gzip|x-|octet-stream|vnd\.|msword|java)/.test(type) && !/xml|json/.test(type)) return false;
  if (kind === 'article') return /^text\/|xhtml|xml|markdown/.test(type);
  return /xml|json|rss|atom|rdf|^text\//.test(type);
}

/**
 * The only way Sitrep talks to the internet. Every hop (the first request and each redirect) is checked:
 * http/https only, and the host's resolved addresses must be public unless allowPrivate. The socket connects
 * to the very address that was vetted (custom `lookup` on the undici Agent), so DNS rebinding between check
 * and connect is impossible. Timeouts cover the whole exchange, including a server that stalls mid-body.
 */
export class SafeFetcher {
  private readonly agent: Dispatcher;
  private readonly base: Agent;
  private readonly resolver: Resolver;

  constructor(private readonly opts: SafeFetchOptions) {
    this.resolver = opts.resolver ?? systemResolver;
    const lookup: LookupFunction = (hostname, options, callback) => {
      this.vet(hostname).then(
        (addresses) => {
          const dialled = addresses.map((a) => (opts.dial ? opts.dial(a, hostname) : a));
          if ((options as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, dialled);
          else callback(null, dialled[0]!.address, dialled[0]!.family);
        },
        (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
      );
    };
    this.base = new Agent({
      connect: { lookup, timeout: opts.timeoutMs },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      keepAliveTimeout: 4_000,
    });
    // undici's decompress interceptor decodes gzip/deflate/br (and zstd where Node has it) as the body
    // streams. It sits above the Agent, so every hop still connects through the vetting `lookup`, and the
    // byte cap is counted on what it yields (decompressed bytes) by readCapped; its own maxSize guards the
    // stages of a multi-encoding chain. Redirects stay ours (no redirect interceptor) so each hop is vetted.
    this.agent = this.base.compose(interceptors.decompress({ maxSize: opts.maxBytes, skipErrorResponses: true }));
  }

  /** Resolves and checks a hostname; returns the addresses that may be dialled. */
  private async vet(hostname: string): Promise<ResolvedAddress[]> {
    const bare = hostname.replace(/^\[|\]$/g, '');
    let addresses: ResolvedAddress[];
    if (isIP(bare)) addresses = [{ address: bare, family: isIP(bare) === 6 ? 6 : 4 }];
    else {
      try {
        addresses = await this.resolver(bare);
      } catch (error) {
        throw new FetchError(`Could not resolve host "${bare}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'fetch_failed');
      }
      if (addresses.length === 0) throw new FetchError(`Could not resolve host "${bare}"`, 'fetch_failed');
    }
    if (this.opts.allowPrivate) return addresses;
    // Refuse when ANY address is non-public: picking the public one would still let an attacker mix records.
    for (const a of addresses) {
      const refusal = addressRefusal(a.address);
      if (refusal) throw new RefusedAddressError(`Refused to fetch from "${bare}": ${refusal} (set FETCH_ALLOW_PRIVATE=true to allow private hosts)`);
    }
    return addresses;
  }

  private checkUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new FetchError(`"${raw}" is not a valid URL`, 'fetch_refused');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new FetchError(`Refused to fetch "${raw}": only http and https URLs are allowed, not ${url.protocol.replace(':', '')}`, 'fetch_refused');
    }
    if (url.username || url.password) throw new FetchError(`Refused to fetch "${url.host}": URLs with credentials are not allowed`, 'fetch_refused');
    return url;
  }

  async fetch(rawUrl: string, req: FetchRequest = {}): Promise<FetchResponse> {
    const kind = req.kind ?? 'any';
    const maxBytes = req.maxBytes ?? this.opts.maxBytes;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
    let current = this.checkUrl(rawUrl);
    try {
      for (let hop = 0; ; hop++) {
        // Vet before connecting, also for IP literals (the socket lookup is skipped for those).
        await this.vet(current.hostname).catch(rethrowRefusal);
        const headers: Record<string, string> = {
          'user-agent': this.opts.userAgent ?? USER_AGENT,
          accept: ACCEPT[kind],
          'accept-language': 'en;q=1, *;q=0.5',
          'accept-encoding': 'gzip, deflate, br',
        };
        if (hop === 0 && req.etag) headers['if-none-match'] = req.etag;
        if (hop === 0 && req.lastModified) headers['if-modified-since'] = req.lastModified;
        let res: Dispatcher.ResponseData;
        try {
          res = await request(current, { method: 'GET', headers, dispatcher: this.agent, signal: controller.signal });
        } catch (error) {
          throw this.translate(error, current, controller.signal.aborted);
        }
        const header = (name: string) => {
          const v = res.headers[name];
          return Array.isArray(v) ? v[0] : v;
        };
        if (res.statusCode >= 300 && res.statusCode < 400 && res.statusCode !== 304) {
          discard(res);
          const location = header('location');
          if (!location) throw new FetchError(`${current.host} answered ${res.statusCode} without a Location header`, 'fetch_http', res.statusCode);
          if (hop >= this.opts.maxRedirects)
            throw new FetchError(`Too many redirects (more than ${this.opts.maxRedirects}) fetching ${rawUrl}`, 'fetch_redirects');
          current = this.checkUrl(new URL(location, current).toString());
          continue;
        }
        const type = parseContentType(header('content-type'));
        const base = { url: current.toString(), etag: header('etag'), lastModified: header('last-modified'), contentType: type.mime };
        if (res.statusCode === 304) {
          discard(res);
          return { ...base, status: 304, notModified: true, body: Buffer.alloc(0), text: '' };
        }
        if (res.statusCode >= 400) {
          discard(res);
          throw new FetchError(`${current.toString()} answered HTTP ${res.statusCode}${statusText(res.statusCode)}`, 'fetch_http', res.statusCode);
        }
        if (!typeAllowed(kind, type.mime)) {
          discard(res);
          throw new FetchError(
            `${current.toString()} is ${type.mime}, not ${kind === 'feed' ? 'a feed (RSS, Atom or JSON Feed)' : 'an article page'}`,
            'fetch_type',
          );
        }
        // The decompress interceptor drops content-length for encoded bodies, so this checks plain ones only.
        const declared = Number(header('content-length'));
        if (Number.isFinite(declared) && declared > maxBytes) {
          discard(res);
          throw tooLarge(current, maxBytes);
        }
        const body = await this.readCapped(res, current, maxBytes, controller.signal);
        const decoded = decodeBody(body, type.charset, type.mime);
        return { ...base, status: res.statusCode, notModified: false, body, text: decoded.text, charset: decoded.charset };
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Streams the body, aborting as soon as it passes the cap, so a huge response is never held in memory.
   * The body arrives decompressed (see the interceptor above), so the cap applies to the decompressed
   * bytes: a small compressed "bomb" cannot expand past FETCH_MAX_BYTES.
   */
  private async readCapped(res: Dispatcher.ResponseData, url: URL, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) {
          discard(res);
          throw tooLarge(url, maxBytes);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof FetchError) throw error;
      if ((error as { code?: string }).code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') throw tooLarge(url, maxBytes);
      // Only the decompressor raises zlib errors (the interceptor has already removed content-encoding).
      const code = String((error as NodeJS.ErrnoException).code ?? '');
      if (/^Z_|^ERR_(BROTLI|ZSTD|ZLIB)/.test(code)) {
        throw new FetchError(`${url.toString()} sent a corrupt compressed body (${code})`, 'fetch_failed');
      }
      throw this.translate(error, url, signal.aborted);
    }
    return Buffer.concat(chunks, size);
  }

  private translate(error: unknown, url: URL, aborted: boolean): Error {
    if (error instanceof FetchError) return error;
    let cause: unknown = error;
    for (let depth = 0; cause && depth < 5; depth++) {
      if (cause instanceof RefusedAddressError) return new FetchError(cause.reason, 'fetch_refused');
      if (cause instanceof FetchError) return cause;
      cause = (cause as { cause?: unknown }).cause;
    }
    const code = (error as { code?: string }).code ?? '';
    if (aborted || /TIMEOUT/.test(code) || (error as Error).name === 'AbortError') {
      return new FetchError(`Timed out after ${Math.round(this.opts.timeoutMs / 1000)} s fetching ${url.toString()}`, 'fetch_timeout');
    }
    const reason = code || (error as Error).message || String(error);
    return new FetchError(`Could not fetch ${url.toString()}: ${reason}`, 'fetch_failed');
  }

  async close(): Promise<void> {
    await this.base.close().catch(() => undefined);
  }
}

/** Drops a response body we will not read; the listener keeps undici's abort error from going unhandled. */
function discard(res: Dispatcher.ResponseData): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}

function rethrowRefusal(error: unknown): never {
  if (error instanceof RefusedAddressError) throw new FetchError(error.reason, 'fetch_refused');
  throw error;
}

function tooLarge(url: URL, maxBytes: number): FetchError {
  return new FetchError(`${url.toString()} is larger than the ${formatBytes(maxBytes)} limit (FETCH_MAX_BYTES)`, 'fetch_too_large');
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) ? 1 : 0)} MB` : `${Math.round(n / 1024)} KB`;
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    401: ' (unauthorised)',
    403: ' (forbidden)',
    404: ' (not found)',
    410: ' (gone)',
    429: ' (too many requests)',
    500: ' (server error)',
    502: ' (bad gateway)',
    503: ' (unavailable)',
    504: ' (gateway timeout)',
  };
  return texts[status] ?? '';
}

export function fetcherFromConfig(
  config: Pick<Config, 'FETCH_TIMEOUT_MS' | 'FETCH_MAX_BYTES' | 'FETCH_MAX_REDIRECTS' | 'FETCH_ALLOW_PRIVATE'>,
  extra: Partial<SafeFetchOptions> = {},
): SafeFetcher {
  return new SafeFetcher({
    timeoutMs: config.FETCH_TIMEOUT_MS,
    maxBytes: config.FETCH_MAX_BYTES,
    maxRedirects: config.FETCH_MAX_REDIRECTS,
    allowPrivate: config.FETCH_ALLOW_PRIVATE,
    ...extra,
  });
}
