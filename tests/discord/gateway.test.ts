import { afterEach, describe, expect, it } from 'vitest';
import { Events, type Client } from 'discord.js';
import { startFakeDiscord, type FakeDiscord } from '../support/discord/server.ts';
import { createDiscordClient } from '../../src/discord/client.ts';

let fake: FakeDiscord | undefined;
let client: Client | undefined;

afterEach(async () => {
  await client?.destroy();
  await fake?.close();
  client = undefined;
  fake = undefined;
});

async function login(f: FakeDiscord): Promise<Client> {
  const c = createDiscordClient({ DISCORD_API_URL: f.apiUrl });
  const ready = new Promise<void>((resolve) => c.once(Events.ClientReady, () => resolve()));
  await c.login(f.token);
  await ready;
  return c;
}

describe('fake Discord gateway', () => {
  it('logs the real discord.js client in: gateway/bot, IDENTIFY, READY and GUILD_CREATE', async () => {
    fake = await startFakeDiscord();
    const guild = fake.addGuild({ name: 'OSINT Hub' });
    const news = fake.addChannel(guild.id, { name: 'news', botDeny: ['EmbedLinks'] });
    client = await login(fake);

    expect(client.user?.id).toBe(fake.botUser.id);
    expect(client.application?.id).toBe(fake.applicationId);
    const cached = client.guilds.cache.get(guild.id);
    expect(cached?.name).toBe('OSINT Hub');
    expect(fake.identifies).toBe(1);
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === '/gateway/bot')).toBe(true);
    // discord.js computes the same permissions as the fake server from the GUILD_CREATE data
    const me = cached!.members.me!;
    const channel = cached!.channels.cache.get(news.id)!;
    expect(channel.permissionsFor(me)?.has('SendMessages')).toBe(true);
    expect(channel.permissionsFor(me)?.has('EmbedLinks')).toBe(false);
    expect(fake.permissionsIn(news.id) & 0x4000n).toBe(0n);
  });

  it('announces guilds added after login', async () => {
    fake = await startFakeDiscord();
    client = await login(fake);
    const created = new Promise<string>((resolve) => client!.once(Events.GuildCreate, (g) => resolve(g.id)));
    const guild = fake.addGuild();
    expect(await created).toBe(guild.id);
  });

  it('refuses a wrong token like Discord (401 on REST)', async () => {
    fake = await startFakeDiscord();
    client = createDiscordClient({ DISCORD_API_URL: fake.apiUrl });
    await expect(client.login('wrong-token-' + 'y'.repeat(30))).rejects.toThrow(/token/i);
  });
});

describe('gateway resilience', () => {
  it('resumes after Discord drops the connection and keeps receiving interactions', async () => {
    fake = await startFakeDiscord();
    const guild = fake.addGuild();
    client = await login(fake);
    const before = fake.identifies;
    fake.disconnectAll(4000);
    await fake.waitFor(() => fake!.identifies > before && fake!.connectedShards === 1, 10_000);
    const got = new Promise<string>((resolve) => client!.once(Events.InteractionCreate, (i) => resolve(i.isChatInputCommand() ? i.commandName : '')));
    fake.command({ guildId: guild.id, channelId: guild.systemChannelId!, userId: guild.ownerId, name: 'after-resume' });
    expect(await got).toBe('after-resume');
  });
});

describe('fake server rate limits', () => {
  it('enforces a global limit with real headers, and discord.js waits it out', async () => {
    fake = await startFakeDiscord({ rateLimitPerSecond: 5 });
    const guild = fake.addGuild();
    client = await login(fake);
    const channelId = guild.systemChannelId!;
    fake.requests.length = 0;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        client!.rest.post(`/channels/${channelId}/messages`, { body: { content: `m${i}`, allowed_mentions: { parse: [] } } }),
      ),
    );
    expect(fake.messages(channelId).length).toBe(8);
    // Some requests were refused with 429 and retried after the window reset.
    expect(fake.requests.length).toBeGreaterThan(8);
  });
});
