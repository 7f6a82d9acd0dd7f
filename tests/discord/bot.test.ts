import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createStore } from '../../src/store/index.ts';
import { runDiscordBot } from '../../src/discord/bot.ts';
import { startFakeDiscord, type FakeDiscord } from '../support/discord/server.ts';
import { SEED_ID, SEED_REPORT } from './harness.ts';

let fake: FakeDiscord | undefined;
let app: App | undefined;
let dir: string | undefined;
afterEach(async () => {
  await app?.close();
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('runDiscordBot (sitrep start with DISCORD_TOKEN)', () => {
  it('loads the bundled briefs, serves commands, and shuts down cleanly when told to stop', async () => {
    fake = await startFakeDiscord();
    const guild = fake.addGuild();
    dir = await mkdtemp(join(tmpdir(), 'sitrep-run-'));
    await mkdir(join(dir, 'briefs'));
    await copyFile(SEED_REPORT, join(dir, 'briefs', 'seed.md'));
    const storeUrl = `sqlite://${join(dir, 's.sqlite')}`;
    const config = loadConfig({
      DISCORD_TOKEN: fake.token,
      DISCORD_API_URL: fake.apiUrl,
      STORE_URL: storeUrl,
      BRIEFS_DIR: join(dir, 'briefs'),
      LOG_LEVEL: 'silent',
    });
    app = await createApp(config, { store: await createStore(storeUrl), logger: pino({ level: 'silent' }) });
    const listenersBefore = process.listenerCount('unhandledRejection');
    const controller = new AbortController();
    const running = runDiscordBot(app, { signal: controller.signal });
    await fake.waitFor(() => fake!.connectedShards === 1, 10_000);
    await fake.waitFor(() => app!.reports.get(SEED_ID), 10_000);
    const reply = await fake
      .command({
        guildId: guild.id,
        channelId: guild.systemChannelId!,
        userId: guild.ownerId,
        name: 'report',
        subcommand: 'show',
        options: { report: SEED_ID },
      })
      .reply();
    expect(reply.embeds[0].title).toMatch(/China/);
    expect(process.listenerCount('unhandledRejection')).toBe(listenersBefore + 1);
    controller.abort();
    await running;
    await fake.waitFor(() => fake!.connectedShards === 0, 5_000);
    expect(process.listenerCount('unhandledRejection')).toBe(listenersBefore);
  });
});
