import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);

/** Every environment variable Sitrep reads. `.env.example` documents each one. */
export const configSchema = z.object({
  DISCORD_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(20, 'must be a bot token from the Discord developer portal').optional()),
  DISCORD_APPLICATION_ID: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^\d{15,21}$/, 'must be a numeric snowflake')
      .optional(),
  ),
  DISCORD_API_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).default('https://discord.com/api')),
  DISCORD_DEV_GUILD_ID: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^\d{15,21}$/, 'must be a numeric snowflake')
      .optional(),
  ),

  STORE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^(sqlite|redis|rediss|postgres|postgresql):\/\//, 'must start with sqlite://, redis://, rediss:// or postgres://')
      .default('sqlite://./data/sitrep.sqlite'),
  ),
  BRIEFS_DIR: z.preprocess(emptyAsUndefined, z.string().default('./briefs')),

  OPENAI_API_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  OPENAI_BASE_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
  OPENAI_MODEL: z.preprocess(emptyAsUndefined, z.string().default('gpt-4o-mini')),
  LLM_TIMEOUT_MS: z.preprocess(emptyAsUndefined, positiveInt.default(60_000)),
  LLM_MAX_RETRIES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(10).default(2)),
  LLM_CONTEXT_TOKENS: z.preprocess(emptyAsUndefined, positiveInt.default(12_000)),
  /** Upper bound on the model's answer per request (cost guard); part of LLM_CONTEXT_TOKENS. */
  LLM_MAX_OUTPUT_TOKENS: z.preprocess(emptyAsUndefined, positiveInt.default(4_096)),
  /** Model requests in flight at once (per process); local servers often serve one at a time. */
  LLM_CONCURRENCY: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(64).default(4)),

  FETCH_TIMEOUT_MS: z.preprocess(emptyAsUndefined, positiveInt.default(15_000)),
  FETCH_MAX_BYTES: z.preprocess(emptyAsUndefined, positiveInt.default(5 * 1024 * 1024)),
  FETCH_MAX_REDIRECTS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(20).default(5)),
  FETCH_ALLOW_PRIVATE: z.preprocess(emptyAsUndefined, bool.default(false)),
  FEED_POLL_MINUTES: z.preprocess(emptyAsUndefined, positiveInt.default(15)),

  BRIEFING_GRACE_HOURS: z.preprocess(emptyAsUndefined, z.coerce.number().min(0).max(48).default(6)),
  /** A report published more than this many days before it was ingested is not "new" in briefings. */
  BRIEFING_MAX_AGE_DAYS: z.preprocess(emptyAsUndefined, z.coerce.number().positive().max(3650).default(14)),
  /** Lease of a delivery claim, renewed while sending; after a crash the delivery resumes once it runs out. */
  BRIEFING_LEASE_SECONDS: z.preprocess(emptyAsUndefined, z.coerce.number().min(1).max(600).optional()),

  /** A fleet's Redis for BullMQ when the store is not Redis (e.g. a Postgres store with a Redis for the queues). */
  REDIS_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
  ),
  /** Scheduler engine; `auto` picks it from the store (SQLite → in-process, Redis → BullMQ, Postgres → pg-boss or BullMQ with REDIS_URL). */
  SCHEDULER: z.preprocess(emptyAsUndefined, z.enum(['auto', 'in-process', 'bullmq', 'pg-boss']).default('auto')),
  /** Port of /healthz and /metrics (unset: not served). */
  METRICS_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).optional()),
  /** Gateway shards this process runs (`0,1`) out of SHARD_COUNT; unset: Discord's recommended count, all in this process. */
  SHARDS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^\d+(\s*,\s*\d+)*$/, 'must be shard ids separated by commas, e.g. 0,1')
      .optional(),
  ),
  SHARD_COUNT: z.preprocess(emptyAsUndefined, positiveInt.optional()),
  /** Port `sitrep proxy` (the shared Discord REST proxy) listens on (default 8080). */
  PROXY_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(65535).default(8080)),

  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; throws a ConfigError that lists every problem, not just the first. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
}

/** Whether an LLM is configured: a key, or a base URL alone for local servers (Ollama, vLLM, LM Studio). */
export function llmConfigured(config: Config): boolean {
  return Boolean(config.OPENAI_API_KEY || config.OPENAI_BASE_URL);
}
