import { DefaultRestOptions, type RateLimitData, type RESTOptions } from 'discord.js';

type MakeRequest = RESTOptions['makeRequest'];
type ResponseLike = Awaited<ReturnType<MakeRequest>>;

/**
 * discord.js's `rest.api` from DISCORD_API_URL: discord.js appends `/v10` itself, so a URL given with the
 * version (`…/api/v10`, as Discord's docs write it) or a trailing slash is cut back to the base.
 */
export function restApiBase(url: string): string {
  return url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/v\d+$/, '');
}

/** Longest rate-limit wait discord.js may sit out inside one request; past it the request fails instead. */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;

/**
 * discord.js waits out every 429, however long. A wait of minutes (a server-wide ban, a misbehaving server)
 * would hold a briefing delivery or a command for that long: fail it instead, as `rate_limited`, so the
 * delivery policy retries later.
 */
export function rejectLongRateLimits(data: RateLimitData): boolean {
  return Math.max(data.timeToReset, data.retryAfter, data.sublimitTimeout) > MAX_RATE_LIMIT_WAIT_MS;
}

/** Wait used when a 429 says neither in its headers nor in its body how long to wait. */
export const FALLBACK_RETRY_AFTER_S = 1;
/** Statuses whose response may not carry a body (a Response built with one would throw). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * discord.js's REST transport, made tolerant of Discord-compatible servers that differ from Discord in
 * what the documentation leaves open. Hand-written because @discordjs/rest has no hook for it:
 * - a 429 whose wait is only in the JSON body (`retry_after`, seconds), or nowhere, gets a `Retry-After`
 *   header: without one, discord.js retries at once and, against a server that keeps answering 429, in a
 *   tight loop;
 * - an answer labelled application/json whose body is empty or not JSON (a 204 with the header, a proxy's
 *   HTML error page) loses the label: discord.js would otherwise throw a SyntaxError out of `res.json()`
 *   instead of a DiscordAPIError / an empty result.
 * Everything else passes through untouched.
 */
export function tolerantMakeRequest(base: MakeRequest = DefaultRestOptions.makeRequest): MakeRequest {
  return async (url, init) => {
    const res = await base(url, init);
    const isJson = res.headers.get('content-type')?.toLowerCase().includes('json') ?? false;
    const length = res.headers.get('content-length');
    const missingRetryAfter = res.status === 429 && !res.headers.get('retry-after');
    if (!missingRetryAfter && (!isJson || (length !== null && length !== '0' && !NULL_BODY_STATUSES.has(res.status)))) return res;

    const bytes = NULL_BODY_STATUSES.has(res.status) ? new Uint8Array() : new Uint8Array(await res.arrayBuffer());
    const headers = new Headers(res.headers as unknown as ConstructorParameters<typeof Headers>[0]);
    let parsed: unknown;
    let jsonOk = false;
    if (isJson && bytes.length > 0) {
      try {
        parsed = JSON.parse(new TextDecoder().decode(bytes));
        jsonOk = true;
      } catch {
        jsonOk = false;
      }
    }
    if (isJson && !jsonOk) headers.delete('content-type');
    if (missingRetryAfter) {
      const fromBody = jsonOk && parsed && typeof parsed === 'object' ? Number((parsed as { retry_after?: unknown }).retry_after) : Number.NaN;
      headers.set('retry-after', String(Number.isFinite(fromBody) && fromBody > 0 ? fromBody : FALLBACK_RETRY_AFTER_S));
      // A body that says the limit is global must pause every request, as the header would.
      if (jsonOk && (parsed as { global?: unknown }).global === true && !headers.has('x-ratelimit-global')) headers.set('x-ratelimit-global', 'true');
    }
    headers.delete('content-length');
    headers.delete('content-encoding');
    headers.delete('transfer-encoding');
    const body = NULL_BODY_STATUSES.has(res.status) || bytes.length === 0 ? null : bytes;
    return new Response(body, { status: res.status, statusText: res.statusText, headers }) as unknown as ResponseLike;
  };
}
