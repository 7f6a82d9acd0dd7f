import KeyvRedis, { createClient } from '@keyv/redis';
import type { KeyvStoreAdapter } from 'keyv';
import type { Backend, RawRow } from './backend.ts';
import type { ChangeEntry, ChangeLog } from './types.ts';

const CLAIM = 'sitrep:claim:';
/** Sorted set of claim keys by creation time, so old claims can be pruned without a full scan. */
const CLAIM_TIMES = 'sitrep:claim-times';
/** Hash claim key → generation; a claim without a field is at generation 1 (claims made before generations). */
const CLAIM_GENERATIONS = 'sitrep:claim-generations';
const CHANGE_SEQ = 'sitrep:change-log:seq';
const CHANGE_STREAM = 'sitrep:change-log';

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
redis.call('XADD', KEYS[2], seq .. '-1', 'n', ARGV[1], 'k', ARGV[2])
return seq`;

/** Redis: keyv namespaces on @keyv/redis, claims and the change log (a stream whose ids are the seqs) by script. */
export async function redisBackend(url: string, now: () => number): Promise<Backend> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  const evalScript = (script: string, keys: string[], args: string[]) => client.eval(script, { keys, arguments: args });
  const adapters: Array<{ disconnect(): Promise<void> }> = [];
  const watchers = changeWatch(
    () => client.duplicate() as unknown as StreamReader,
    () => client.get(CHANGE_SEQ),
  );

  const changes: ChangeLog = {
    async append(namespace, key) {
      return Number(await evalScript(APPEND_SCRIPT, [CHANGE_SEQ, CHANGE_STREAM], [namespace, key]));
    },
    async since(after, limit = 1000) {
      const entries = await client.xRange(CHANGE_STREAM, `${after + 1}-0`, '+', { COUNT: limit });
      return entries.map((e): ChangeEntry => ({ seq: Number(e.id.split('-')[0]), namespace: String(e.message.n), key: String(e.message.k) }));
    },
    async head() {
      return Number((await client.get(CHANGE_SEQ)) ?? 0);
    },
    watch: watchers.watch,
  };

  return {
    adapter(namespace) {
      // throwOnErrors: @keyv/redis otherwise swallows a failed write and resolves as if it were saved.
      const adapter = new KeyvRedis(url, { namespace, useUnlink: true, throwOnErrors: true });
      adapter.on('error', () => undefined);
      adapters.push(adapter);
      return adapter as unknown as KeyvStoreAdapter;
    },
    useKeyPrefix: false,
    readOnly: false,
    checkWritable: () => undefined,
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
      return Number(await evalScript(CLAIM_SCRIPT, [CLAIM + key, CLAIM_TIMES, CLAIM_GENERATIONS], [json, String(now()), key])) === 1;
    },
    async readClaim(key) {
      const found = (await evalScript(READ_CLAIM_SCRIPT, [CLAIM + key, CLAIM_GENERATIONS], [key])) as [string, string] | null;
      return found ? { json: found[0], generation: Number(found[1]) } : undefined;
    },
    async updateClaim(key, json) {
      await evalScript(UPDATE_IF_SCRIPT, [CLAIM + key, CLAIM_GENERATIONS], [json, '', key]);
    },
    async updateClaimIf(key, generation, json) {
      return Number(await evalScript(UPDATE_IF_SCRIPT, [CLAIM + key, CLAIM_GENERATIONS], [json, String(generation), key])) === 1;
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
      for (let i = 0; i < old.length; i += 500) await evalScript(PRUNE_SCRIPT, [CLAIM, CLAIM_TIMES, CLAIM_GENERATIONS], old.slice(i, i + 500));
      return old.length;
    },
    changes,
    async close() {
      await watchers.close();
      await Promise.all(adapters.map((a) => a.disconnect().catch(() => undefined)));
      await client.quit().catch(() => undefined);
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
