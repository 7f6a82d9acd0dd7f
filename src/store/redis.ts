import { createHash } from 'node:crypto';
import KeyvRedis, { createClient } from '@keyv/redis';
import type { KeyvStoreAdapter } from 'keyv';
import { type Backend, type BackendChangeLog, changeWindow, type RawRow } from './backend.ts';
import { redactUrl, redisOpenError } from './errors.ts';
import type { ChangeEntry } from './types.ts';

const CLAIM = 'sitrep:claim:';
/** Sorted set of claim keys by creation time, so old claims can be pruned without a full scan. */
const CLAIM_TIMES = 'sitrep:claim-times';
/** Hash claim key → generation; a claim without a field is at generation 1 (claims made before generations). */
const CLAIM_GENERATIONS = 'sitrep:claim-generations';
const CHANGE_SEQ = 'sitrep:change-log:seq';
const CHANGE_STREAM = 'sitrep:change-log';
/** Every change-log entry at or below this seq was trimmed by retention. */
const CHANGE_TRIMMED = 'sitrep:change-log:trimmed';
/** Connection attempts at start before the store gives up with StoreOpenError. */
const START_ATTEMPTS = 3;

// Scripts: each runs atomically on the server, so the claim, its prune index and its generation never
// disagree, and a change's number is assigned and published in one step (no reader sees seq N+1 before N).
const CLAIM_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  redis.call('HDEL', KEYS[3], ARGV[3])
  return 1
end
return 0`;
const UPDATE_IF_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local generation = tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '1')
if ARGV[2] ~= '' and generation ~= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[3], generation + 1)
return 1`;
const READ_CLAIM_SCRIPT = `
local value = redis.call('GET', KEYS[1])
if not value then return false end
return { value, redis.call('HGET', KEYS[2], ARGV[1]) or '1' }`;
const PRUNE_SCRIPT = `
for i, key in ipairs(ARGV) do
  redis.call('DEL', KEYS[1] .. key)
  redis.call('ZREM', KEYS[2], key)
  redis.call('HDEL', KEYS[3], key)
end
return #ARGV`;
const APPEND_SCRIPT = `
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], seq .. '-1', 'n', ARGV[1], 'k', ARGV[2], 't', ARGV[3])
return seq`;
// Deletes every entry at or below ARGV[1] and moves the watermark (never backwards), in one step.
const TRIM_SCRIPT = `
local through = tonumber(ARGV[1])
if through <= tonumber(redis.call('GET', KEYS[2]) or '0') then return 0 end
local deleted = redis.call('XTRIM', KEYS[1], 'MINID', (through + 1) .. '-0')
redis.call('SET', KEYS[2], through)
return deleted`;

/**
 * Scripts for node-redis's `scripts` option (what its defineScript() builds; @redis/client is not a direct
 * dependency): the client sends EVALSHA and falls back to EVAL (which caches the script on the server) only
 * when the server answers NOSCRIPT, e.g. after a restart or SCRIPT FLUSH. The text is not sent each call.
 */
function script(source: string, keys: number) {
  return {
    NUMBER_OF_KEYS: keys,
    SCRIPT: source,
    SHA1: createHash('sha1').update(source).digest('hex'),
    parseCommand(parser: { pushKey(key: string): void; push(...args: string[]): void }, keyNames: string[], args: string[]) {
      for (const key of keyNames) parser.pushKey(key);
      parser.push(...args);
    },
    transformReply: undefined as never,
  };
}
const SCRIPTS = {
  sitrepClaim: script(CLAIM_SCRIPT, 3),
  sitrepUpdateIf: script(UPDATE_IF_SCRIPT, 2),
  sitrepReadClaim: script(READ_CLAIM_SCRIPT, 2),
  sitrepPrune: script(PRUNE_SCRIPT, 3),
  sitrepAppend: script(APPEND_SCRIPT, 2),
  sitrepTrim: script(TRIM_SCRIPT, 2),
};

/** Redis: keyv namespaces on @keyv/redis, claims and the change log (a stream whose ids are the seqs) by script. */
export async function redisBackend(url: string, now: () => number): Promise<Backend> {
  let ready = false;
  let startError: unknown;
  const client = createClient({
    url,
    scripts: SCRIPTS,
    // While the connection is down a command fails at once (a write becomes StoreWriteError) instead of
    // waiting in a queue until Redis is back, which left the user without an answer.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5000,
      // At start a server that cannot be reached stops the start (StoreOpenError); later, reconnect with backoff.
      reconnectStrategy: (retries: number, cause: Error) =>
        ready ? Math.min(100 * 2 ** retries, 5000) : retries + 1 >= START_ATTEMPTS ? cause : 200 * (retries + 1),
    },
  });
  client.on('error', (error: unknown) => {
    if (!ready) startError ??= error;
  });
  try {
    await client.connect();
    await client.ping(); // an AUTH or SELECT refusal surfaces here at the latest
  } catch (error) {
    try {
      client.destroy();
    } catch {
      // already closed by the reconnect strategy
    }
    throw redisOpenError(url, startError ?? error);
  }
  ready = true;
  client.setMaxListeners(200); // every namespace's keyv adapter listens on this one connection
  type ScriptName = keyof typeof SCRIPTS;
  const evalScript = (name: ScriptName, keys: string[], args: string[]) => (client[name] as (keys: string[], args: string[]) => Promise<unknown>)(keys, args);
  const watchers = changeWatch(
    () => client.duplicate() as unknown as StreamReader,
    () => client.get(CHANGE_SEQ),
  );

  const changes: BackendChangeLog = {
    async append(namespace, key) {
      return Number(await evalScript('sitrepAppend', [CHANGE_SEQ, CHANGE_STREAM], [namespace, key, String(now())]));
    },
    async since(after, limit = 1000) {
      const entries = await client.xRange(CHANGE_STREAM, `${after + 1}-0`, '+', { COUNT: limit });
      return entries.map((e): ChangeEntry => ({ seq: Number(e.id.split('-')[0]), namespace: String(e.message.n), key: String(e.message.k) }));
    },
    async head() {
      return Number((await client.get(CHANGE_SEQ)) ?? 0);
    },
    async oldest() {
      const [first] = await client.xRange(CHANGE_STREAM, '-', '+', { COUNT: 1 });
      return first ? Number(first.id.split('-')[0]) : 0;
    },
    async readSince(after, limit) {
      // MULTI: the watermark and the entries come from one moment, never from either side of a trim.
      const [trimmed, entries] = (await client
        .multi()
        .get(CHANGE_TRIMMED)
        .xRange(CHANGE_STREAM, `${after + 1}-0`, '+', { COUNT: limit })
        .exec()) as unknown as [string | null, Array<{ id: string; message: Record<string, string> }>];
      return changeWindow(
        entries.map((e): ChangeEntry => ({ seq: Number(e.id.split('-')[0]), namespace: String(e.message.n), key: String(e.message.k) })),
        after,
        Number(trimmed ?? 0),
      );
    },
    async trim(olderThanMs, maxEntries) {
      // Seqs are consecutive (INCR and XADD in one script), so the count cut is arithmetic; the age cut is
      // the entry before the first young one, found by paging from the oldest (most are young).
      const [head, trimmed] = (await Promise.all([client.get(CHANGE_SEQ), client.get(CHANGE_TRIMMED)])).map((v) => Number(v ?? 0)) as [number, number];
      let byAge = trimmed;
      let from = `${trimmed + 1}-0`;
      for (let page = 0; page < 200; page++) {
        const entries = await client.xRange(CHANGE_STREAM, from, '+', { COUNT: 500 });
        const young = entries.find((e) => Number(e.message.t ?? 0) >= olderThanMs);
        if (young) {
          byAge = Number(young.id.split('-')[0]) - 1;
          break;
        }
        if (!entries.length) break;
        byAge = Number(entries.at(-1)!.id.split('-')[0]);
        if (entries.length < 500) break;
        from = `(${entries.at(-1)!.id}`;
      }
      const through = Math.max(byAge, head - maxEntries);
      if (through <= trimmed) return 0;
      return Number(await evalScript('sitrepTrim', [CHANGE_STREAM, CHANGE_TRIMMED], [String(through)]));
    },
    watch: watchers.watch,
  };

  return {
    adapter(namespace) {
      // throwOnErrors: @keyv/redis otherwise swallows a failed write and resolves as if it were saved.
      // Every namespace shares the store's connection (and its offline and reconnect behaviour).
      const adapter = new KeyvRedis(client as never, { namespace, useUnlink: true, throwOnErrors: true });
      adapter.on('error', () => undefined);
      return adapter as unknown as KeyvStoreAdapter;
    },
    useKeyPrefix: false,
    readOnly: false,
    checkWritable: () => undefined,
    connectionProblem: () => (client.isReady ? undefined : `the connection to Redis at ${redactUrl(url)} is down (reconnecting)`),
    async *scan(namespace, prefix, pageSize): AsyncGenerator<RawRow[]> {
      // @keyv/redis stores `namespace::key`. SCAN has no order, so the keys are collected and sorted first.
      const head = `${namespace}::`;
      const keys: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: `${globEscape(head + prefix)}*`, COUNT: 1000 })) keys.push(...batch);
      keys.sort();
      for (let i = 0; i < keys.length; i += pageSize) {
        const slice = keys.slice(i, i + pageSize);
        const values = await client.mGet(slice);
        const rows: RawRow[] = [];
        slice.forEach((key, j) => {
          const raw = values[j];
          if (typeof raw === 'string') rows.push({ key: key.slice(head.length), raw });
        });
        if (rows.length) yield rows;
      }
    },
    async claim(key, json) {
      return Number(await evalScript('sitrepClaim', [CLAIM + key, CLAIM_TIMES, CLAIM_GENERATIONS], [json, String(now()), key])) === 1;
    },
    async readClaim(key) {
      const found = (await evalScript('sitrepReadClaim', [CLAIM + key, CLAIM_GENERATIONS], [key])) as [string, string] | null;
      return found ? { json: found[0], generation: Number(found[1]) } : undefined;
    },
    async updateClaim(key, json) {
      await evalScript('sitrepUpdateIf', [CLAIM + key, CLAIM_GENERATIONS], [json, '', key]);
    },
    async updateClaimIf(key, generation, json) {
      return Number(await evalScript('sitrepUpdateIf', [CLAIM + key, CLAIM_GENERATIONS], [json, String(generation), key])) === 1;
    },
    async listClaims(prefix) {
      const out: Array<{ key: string; value: string }> = [];
      for await (const keys of client.scanIterator({ MATCH: `${globEscape(CLAIM + prefix)}*`, COUNT: 500 })) {
        if (!keys.length) continue;
        const values = await client.mGet(keys);
        keys.forEach((key, i) => {
          const value = values[i];
          if (typeof value === 'string') out.push({ key: key.slice(CLAIM.length), value });
        });
      }
      return out.sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    async pruneClaims(prefix, olderThanMs) {
      const old = (await client.zRangeByScore(CLAIM_TIMES, '-inf', `(${olderThanMs}`)).filter((key) => key.startsWith(prefix));
      for (let i = 0; i < old.length; i += 500) await evalScript('sitrepPrune', [CLAIM, CLAIM_TIMES, CLAIM_GENERATIONS], old.slice(i, i + 500));
      return old.length;
    },
    changes,
    async close() {
      await watchers.close();
      if (client.isReady) await client.quit().catch(() => undefined);
      else client.destroy(); // reconnecting: nothing to flush, and quit() would wait for the server
    },
  };
}

/** One blocking XREAD loop per store on a connection of its own, started by the first watcher. */
/** What the watch loop needs of a node-redis connection. */
interface StreamReader {
  on(event: 'error', listener: () => void): unknown;
  connect(): Promise<unknown>;
  get(key: string): Promise<string | null>;
  xRead(stream: { key: string; id: string }, options: { BLOCK: number; COUNT: number }): Promise<unknown>;
  quit(): Promise<unknown>;
  destroy(): void;
}

function changeWatch(duplicate: () => StreamReader, readHead: () => Promise<string | null>) {
  type RedisClient = StreamReader;
  const listeners = new Set<() => void>();
  let reader: RedisClient | undefined;
  let loop: Promise<void> | undefined;
  let stopped = false;

  const run = async (conn: RedisClient, startHead: string | null) => {
    let last = startHead ? `${startHead}-1` : '0-0';
    while (!stopped && listeners.size) {
      try {
        const reply = (await conn.xRead({ key: CHANGE_STREAM, id: last }, { BLOCK: 1000, COUNT: 100 })) as Array<{ messages: Array<{ id: string }> }> | null;
        const messages = reply?.[0]?.messages ?? [];
        if (!messages.length) continue;
        last = messages.at(-1)!.id;
        for (const listener of [...listeners]) listener();
      } catch {
        if (stopped) return;
        await new Promise((done) => setTimeout(done, 500));
      }
    }
  };
  const start = async () => {
    // The head as of the first watch() call (queued before this store's next command), not '$' once the
    // reader is connected: an append made while it connects still wakes the watchers.
    const startHead = await readHead();
    reader = duplicate();
    reader.on('error', () => undefined);
    await reader.connect();
    await run(reader, startHead);
    const done = reader;
    reader = undefined;
    loop = undefined;
    await done.quit().catch(() => undefined);
    if (!stopped && listeners.size) loop = start().catch(() => undefined); // someone subscribed while it wound down
  };

  return {
    watch(onChange: () => void) {
      listeners.add(onChange);
      loop ??= start().catch(() => undefined);
      return () => void listeners.delete(onChange);
    },
    async close() {
      stopped = true;
      try {
        reader?.destroy(); // ends a blocking XREAD at once
      } catch {
        // already closing: the loop has left
      }
      await loop;
    },
  };
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
