import { expect } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createStore } from '../../src/store/index.ts';
import type { CommandModule } from '../../src/core/command.ts';
import { createDiscordBot, type DiscordBot } from '../../src/discord/bot.ts';
import {
  startFakeDiscord,
  type FakeDiscord,
  type FakeDiscordOptions,
  type FakeGuild,
  type InteractionHandle,
  type CommandInvocation,
} from '../support/discord/server.ts';
import { messageProblems, pingingFragments } from '../support/discord/limits.ts';
import { DeliveryError } from '../../src/briefings/transport.ts';

/** The bundled Markdown version of the seed report (front matter gives source, authors, date). */
export const SEED_REPORT = 'briefs/specialeurasia-china-russia-belarus-defence-2023.md';
export const SEED_ID = 'specialeurasia-china-russia-belarus-defence-2023';

export interface Harness {
  fake: FakeDiscord;
  app: App;
  bot: DiscordBot;
  guild: FakeGuild;
  /** A text channel where the bot has View, Send, Embed. */
  channelId: string;
  moderator: { id: string };
  member: { id: string };
  logs: Array<Record<string, any>>;
  run(inv: Partial<CommandInvocation> & { name: string }): InteractionHandle;
  close(): Promise<void>;
}

/** A real App (temp SQLite file), the fake Discord server and a logged-in bot with `commands`. */
export async function startHarness(
  opts: {
    commands?: CommandModule[];
    env?: Record<string, string>;
    seed?: boolean;
    fake?: FakeDiscordOptions;
    beforeLogin?: (fake: FakeDiscord, guild: FakeGuild) => void;
  } = {},
): Promise<Harness> {
  const fake = await startFakeDiscord(opts.fake);
  const guild = fake.addGuild({ name: 'OSINT Hub' });
  const news = fake.addChannel(guild.id, { name: 'news' });
  const moderator = fake.addMember(guild.id, { username: 'mod', permissions: ['ManageGuild'] }).user;
  const member = fake.addMember(guild.id, { username: 'reader' }).user;
  const dir = await mkdtemp(join(tmpdir(), 'sitrep-discord-'));
  const logs: Array<Record<string, any>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const storeUrl = `sqlite://${join(dir, 'sitrep.sqlite')}`;
  const config = loadConfig({
    DISCORD_TOKEN: fake.token,
    DISCORD_API_URL: fake.apiUrl,
    STORE_URL: storeUrl,
    BRIEFS_DIR: join(dir, 'no-briefs'),
    FETCH_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const app = await createApp(config, { store: await createStore(storeUrl), logger });
  if (opts.seed !== false) await app.ingest.ingestPath(SEED_REPORT);
  opts.beforeLogin?.(fake, guild);
  const bot = await createDiscordBot(app, { commands: opts.commands });
  return {
    fake,
    app,
    bot,
    guild,
    channelId: news.id,
    moderator: { id: String(moderator.id) },
    member: { id: String(member.id) },
    logs,
    run: (inv) => fake.command({ guildId: guild.id, channelId: news.id, userId: member.id, ...inv }),
    async close() {
      await bot.stop().catch(() => undefined);
      await app.close().catch(() => undefined);
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every payload the server received must fit Discord's limits, ping nobody and disable mention parsing. */
export function expectSafePayloads(fake: FakeDiscord): void {
  for (const payload of fake.allPayloads()) {
    const problems = messageProblems({ content: payload.content, embeds: payload.embeds ?? [] });
    if (payload.content === undefined && !payload.embeds) problems.length = 0; // pure flag edits
    if (problems.length) throw new Error(`payload over limits: ${problems.join('; ')}`);
    if (JSON.stringify(payload.allowed_mentions) !== JSON.stringify({ parse: [] })) {
      throw new Error(`payload without allowed_mentions.parse = []: ${JSON.stringify(payload).slice(0, 300)}`);
    }
    const texts = [
      payload.content ?? '',
      ...(payload.embeds ?? []).flatMap((e: any) => [e.title, e.description, ...(e.fields ?? []).flatMap((f: any) => [f.name, f.value])]),
    ];
    for (const text of texts) {
      const pings = pingingFragments(String(text ?? '')).filter((p) => !p.startsWith('<#'));
      if (pings.length) throw new Error(`payload would ping: ${pings.join(', ')}`);
    }
  }
}

/** All visible text of a message (content, embed titles, descriptions, fields, footers). */
export function textOf(message: Record<string, any>): string {
  return [
    message.content ?? '',
    ...(message.embeds ?? []).flatMap((e: any) => [
      e.author?.name,
      e.title,
      e.description,
      ...(e.fields ?? []).flatMap((f: any) => [f.name, f.value]),
      e.footer?.text,
    ]),
  ]
    .filter(Boolean)
    .join('\n');
}

/** The DeliveryError a transport call rejects with; fails the test if it resolves or throws anything else. */
export async function deliveryError(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DeliveryError);
    return error as DeliveryError;
  }
  throw new Error('expected a DeliveryError');
}
