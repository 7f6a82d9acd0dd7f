import { DiscordAPIError, REST, Routes, type APIApplication, type APIUser } from 'discord.js';
import type { App } from '../app.ts';
import { llmConfigured, type Config } from '../config.ts';
import { UserError } from '../core/errors.ts';
import { commandPayloads, deployCommands, loadCommands } from './commands.ts';
import { createDiscordBot, type DiscordBot } from './bot.ts';
import { createOpenAIClient } from '../analysis/llm/index.ts';
import { restApiBase, tolerantMakeRequest } from './rest.ts';
import { errorMessage } from '../core/errors.ts';
import { chooseEngine, createScheduler } from '../scheduling/index.ts';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  skipped?: boolean;
  detail: string;
}

function discordRest(config: Config): REST {
  if (!config.DISCORD_TOKEN) throw new UserError('DISCORD_TOKEN is not set: create a bot in the Discord developer portal and put its token in .env');
  return new REST({ api: restApiBase(config.DISCORD_API_URL), makeRequest: tolerantMakeRequest() }).setToken(config.DISCORD_TOKEN);
}

/**
 * The application id: from the config, else Discord's "current bot application" route, else "current
 * application" (a compatible server may implement only one of the two), else the bot user's id (for a bot
 * created in the developer portal, the same snowflake as its application).
 */
async function resolveApplicationId(config: Config, rest: REST): Promise<string> {
  if (config.DISCORD_APPLICATION_ID) return config.DISCORD_APPLICATION_ID;
  for (const route of [Routes.oauth2CurrentApplication(), Routes.currentApplication()] as const) {
    try {
      const app = (await rest.get(route)) as Partial<APIApplication> | undefined;
      if (app && typeof app.id === 'string') return app.id;
    } catch (error) {
      if (!(error instanceof DiscordAPIError && (error.status === 404 || error.status === 405))) throw error;
    }
  }
  const me = (await rest.get(Routes.user('@me'))) as APIUser;
  return me.id;
}

const errorText = errorMessage;

/** Every check, in order; later checks that depend on a failed one are skipped with a note. */
export async function runDoctor(app: App): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const { config } = app;

  let tokenOk = false;
  if (!config.DISCORD_TOKEN) {
    checks.push({ name: 'Discord token', ok: false, skipped: true, detail: 'DISCORD_TOKEN is not set (local mode only)' });
  } else {
    try {
      const rest = discordRest(config);
      const me = (await rest.get(Routes.user('@me'))) as APIUser;
      tokenOk = true;
      checks.push({ name: 'Discord token', ok: true, detail: `valid, bot user ${me.username} (${me.id}) via ${config.DISCORD_API_URL}` });
    } catch (error) {
      checks.push({ name: 'Discord token', ok: false, detail: `rejected: ${errorText(error)}` });
    }
  }

  try {
    await app.store.ping();
    checks.push({ name: 'Store', ok: true, detail: `${app.store.kind} store reachable (${redact(app.store.url)})` });
  } catch (error) {
    checks.push({ name: 'Store', ok: false, detail: `${redact(app.store.url)}: ${errorText(error)}` });
  }

  checks.push(await schedulerCheck(app));
  checks.push(await changeStreamCheck(app));
  checks.push(await modelCheck(config));

  const subscriptions = await app.subscriptions.list().catch(() => undefined);
  if (!subscriptions) {
    checks.push({ name: 'Subscribed channels', ok: false, detail: 'could not read the subscriptions from the store' });
  } else if (subscriptions.length === 0) {
    checks.push({ name: 'Subscribed channels', ok: true, skipped: true, detail: 'no briefing subscriptions yet' });
  } else if (!tokenOk) {
    checks.push({ name: 'Subscribed channels', ok: false, skipped: true, detail: `${subscriptions.length} subscriptions not checked: the token check failed` });
  } else {
    // Logging in gives the same guild cache and permission computation the running bot uses.
    let bot: DiscordBot | undefined;
    let connectError: unknown;
    try {
      bot = await createDiscordBot(app, { commands: [] });
    } catch (error) {
      connectError = error;
    }
    if (!bot) {
      checks.push({ name: 'Subscribed channels', ok: false, detail: `could not connect to the gateway: ${errorText(connectError)}` });
    } else {
      try {
        for (const sub of subscriptions) {
          const access = await bot.platform.channelAccess(sub.guildId, sub.channelId);
          const label = `Channel ${sub.channelId} (server ${sub.guildId})${sub.paused ? ' [paused]' : ''}`;
          checks.push(
            access.ok
              ? { name: label, ok: true, detail: 'can view, send and embed' }
              : {
                  name: label,
                  ok: false,
                  detail: [access.missing.length ? `missing ${access.missing.join(', ')}` : undefined, access.reason].filter(Boolean).join('; '),
                },
          );
        }
      } finally {
        await bot.stop();
      }
    }
  }
  return checks;
}

/** The engine the configuration picks (in-process, BullMQ, pg-boss), reached and listed. */
async function schedulerCheck(app: App): Promise<DoctorCheck> {
  let chosen: ReturnType<typeof chooseEngine>;
  try {
    chosen = chooseEngine(app.config);
  } catch (error) {
    return { name: 'Scheduler', ok: false, detail: errorText(error) };
  }
  if (chosen.engine === 'in-process') return { name: 'Scheduler', ok: true, detail: 'in-process (node-cron): one process on the embedded store' };
  const scheduler = await createScheduler(app.config, { logger: app.logger });
  try {
    const jobs = await withDeadline(scheduler.list(), 5_000);
    return {
      name: 'Scheduler',
      ok: true,
      detail: `${chosen.engine} at ${redact(chosen.url ?? '')}: ${jobs.length} recurring job${jobs.length === 1 ? '' : 's'}`,
    };
  } catch (error) {
    return { name: 'Scheduler', ok: false, detail: `${chosen.engine} at ${redact(chosen.url ?? '')}: ${errorText(error)}` };
  } finally {
    await scheduler.close().catch(() => undefined);
  }
}

/** The store's change log, through which every process sees every write (present once the store has it). */
async function changeStreamCheck(app: App): Promise<DoctorCheck> {
  const changes = (app.store as { changes?: { head(): Promise<number> } }).changes;
  if (!changes || typeof changes.head !== 'function') return { name: 'Change stream', ok: true, skipped: true, detail: 'this store has no change log' };
  try {
    const head = await withDeadline(changes.head(), 10_000);
    return { name: 'Change stream', ok: true, detail: `${app.store.kind} change log readable (at sequence ${head})` };
  } catch (error) {
    return { name: 'Change stream', ok: false, detail: `${app.store.kind} change log: ${errorText(error)}` };
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms).unref())]);
}

async function modelCheck(config: Config): Promise<DoctorCheck> {
  if (!llmConfigured(config)) return { name: 'Model', ok: true, skipped: true, detail: 'no model configured: the offline engine answers' };
  const server = config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1';
  try {
    const client = createOpenAIClient({ ...config, LLM_TIMEOUT_MS: Math.min(config.LLM_TIMEOUT_MS, 10_000), LLM_MAX_RETRIES: 0 });
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      ids.push(model.id);
      if (ids.length >= 500) break;
    }
    if (ids.length > 0 && !ids.includes(config.OPENAI_MODEL)) {
      return {
        name: 'Model',
        ok: false,
        detail: `${server} does not offer "${config.OPENAI_MODEL}" (it offers: ${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', …' : ''})`,
      };
    }
    return { name: 'Model', ok: true, detail: `${server} reachable, model ${config.OPENAI_MODEL}` };
  } catch (error) {
    const status = (error as { status?: number }).status;
    // Some OpenAI-compatible servers do not implement /models; reaching them is all we can check.
    if (status === 404 || status === 405)
      return { name: 'Model', ok: true, detail: `${server} reachable (it does not list models; ${config.OPENAI_MODEL} not verified)` };
    return { name: 'Model', ok: false, detail: `${server}: ${errorText(error)} (the bot still works on the offline engine)` };
  }
}

/** Store URLs may carry passwords (redis://:pw@host, postgres://user:pw@host). */
function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : auth}@`);
}

export interface DeployOptions {
  guild?: string;
  global?: boolean;
  print?: boolean;
}

/** `sitrep deploy-commands`: prints the command JSON, or registers it in one server or globally. */
export async function runDeployCommands(options: DeployOptions, openApp: () => Promise<App>): Promise<string> {
  const commands = await loadCommands();
  if (options.print) return `${JSON.stringify(commandPayloads(commands), null, 2)}\n`;
  const app = await openApp();
  const rest = discordRest(app.config);
  const guildId = options.global ? undefined : (options.guild ?? app.config.DISCORD_DEV_GUILD_ID);
  if (guildId !== undefined && !/^\d{15,21}$/.test(guildId)) throw new UserError(`--guild must be a server id (a number), not "${guildId}"`);
  const applicationId = await resolveApplicationId(app.config, rest);
  const registered = await deployCommands(rest, applicationId, commands, guildId);
  const names = registered.map((c) => ((c as { type?: number }).type === 3 ? `“${c.name}” (message menu)` : `/${c.name}`)).join(', ');
  return guildId
    ? `Registered ${registered.length} commands in server ${guildId}: ${names}\n`
    : `Registered ${registered.length} global commands: ${names}\n(global commands can take up to an hour to appear in every server)\n`;
}
