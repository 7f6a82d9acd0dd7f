import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { buildProgram } from '../../src/cli.ts';
import { runDoctor } from '../../src/discord/admin.ts';
import { startOpenAIServer } from '../support/openai-server.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function cli(harness: Harness, ...args: string[]): Promise<{ out: string; error?: Error }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const program = buildProgram({ openApp: async () => harness.app, out, err: new PassThrough() });
  try {
    await program.parseAsync(['node', 'sitrep', ...args]);
    return { out: text };
  } catch (error) {
    return { out: text, error: error as Error };
  }
}

describe('sitrep deploy-commands', () => {
  it('registers every command in one server, fetching the application id from Discord', async () => {
    h = await startHarness({ commands: [], seed: false });
    const { out, error } = await cli(h, 'deploy-commands', '--guild', h.guild.id);
    expect(error).toBeUndefined();
    expect(out).toMatch(/Registered 6 commands in server/);
    expect(out).toMatch(/“Summarise link” \(message menu\)/);
    expect(
      h.fake.commands.guild
        .get(h.guild.id)
        ?.map((c) => c.name)
        .sort(),
    ).toEqual(['Summarise link', 'actors', 'briefing', 'report', 'sources', 'summarise']);
    expect(h.fake.requests.some((r) => r.path === '/oauth2/applications/@me')).toBe(true);
    expect(h.fake.commands.global).toEqual([]);
  });

  it('registers globally without --guild, using DISCORD_APPLICATION_ID when set', async () => {
    h = await startHarness({ commands: [], seed: false });
    // Same id as the fake's application, given in the config instead of fetched.
    h.app.config.DISCORD_APPLICATION_ID = h.fake.applicationId;
    const { out } = await cli(h, 'deploy-commands');
    expect(out).toMatch(/Registered 6 global commands/);
    expect(h.fake.commands.global.length).toBe(6);
    expect(h.fake.requests.some((r) => r.path === '/oauth2/applications/@me')).toBe(false);
  });

  it('refuses a guild id that is not a snowflake', async () => {
    h = await startHarness({ commands: [], seed: false });
    const { error } = await cli(h, 'deploy-commands', '--guild', 'my-server');
    expect(error?.message).toMatch(/--guild must be a server id/);
  });
});

describe('sitrep doctor', () => {
  it('passes when token, store and subscribed channels are fine', async () => {
    h = await startHarness({ commands: [], seed: false });
    await h.app.subscriptions.subscribe({ guildId: h.guild.id, channelId: h.channelId, time: '08:00', timezone: 'UTC', createdBy: h.moderator.id });
    const { out, error } = await cli(h, 'doctor');
    expect(error).toBeUndefined();
    expect(out).toMatch(/✔ Discord token: valid/);
    expect(out).toMatch(/✔ Store: sqlite/);
    expect(out).toMatch(/– Model: no model configured/);
    expect(out).toMatch(/✔ Scheduler: in-process/);
    expect(out).toMatch(new RegExp(`✔ Channel ${h.channelId}.*can view, send and embed`));
  });

  it('fails naming the permission missing in a subscribed channel and an unreachable model', async () => {
    h = await startHarness({ commands: [], seed: false, env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: 'k' } });
    const noEmbeds = h.fake.addChannel(h.guild.id, { name: 'no-embeds', botDeny: ['EmbedLinks'] });
    await h.app.subscriptions.subscribe({ guildId: h.guild.id, channelId: noEmbeds.id, time: '08:00', timezone: 'UTC', createdBy: h.moderator.id });
    const { out, error } = await cli(h, 'doctor');
    expect(error?.message).toMatch(/doctor found 2 problems/);
    expect(out).toMatch(new RegExp(`✘ Channel ${noEmbeds.id}.*missing Embed Links`));
    expect(out).toMatch(/✘ Model: http:\/\/127\.0\.0\.1:9\/v1/);
  });

  it('reports a rejected token and skips channel checks', async () => {
    h = await startHarness({ commands: [], seed: false });
    await h.app.subscriptions.subscribe({ guildId: h.guild.id, channelId: h.channelId, time: '08:00', timezone: 'UTC', createdBy: h.moderator.id });
    const checks = await runDoctor({ ...h.app, config: { ...h.app.config, DISCORD_TOKEN: 'not-the-right-token-at-all-xxxxxxxx' } });
    expect(checks.find((c) => c.name === 'Discord token')).toMatchObject({ ok: false });
    expect(checks.find((c) => c.name === 'Subscribed channels')).toMatchObject({ skipped: true });
  });

  it.skipIf(!process.env.SITREP_TEST_REDIS_URL)('checks the BullMQ scheduler engine of a fleet, and names an unreachable one', async () => {
    h = await startHarness({ commands: [], seed: false });
    const ok = await runDoctor({ ...h.app, config: { ...h.app.config, SCHEDULER: 'bullmq', REDIS_URL: process.env.SITREP_TEST_REDIS_URL } });
    expect(ok.find((c) => c.name === 'Scheduler')).toMatchObject({ ok: true, detail: expect.stringMatching(/^bullmq at redis:.*recurring job/) });
    const down = await runDoctor({ ...h.app, config: { ...h.app.config, SCHEDULER: 'bullmq', REDIS_URL: 'redis://127.0.0.1:9' } });
    expect(down.find((c) => c.name === 'Scheduler')).toMatchObject({ ok: false, detail: expect.stringMatching(/^bullmq at redis:\/\/127\.0\.0\.1:9/) });
  });

  it('accepts a model server that does not list models', async () => {
    const model = await startOpenAIServer();
    try {
      h = await startHarness({ commands: [], seed: false, env: { OPENAI_BASE_URL: model.baseURL } });
      const checks = await runDoctor(h.app);
      expect(checks.find((c) => c.name === 'Model')).toMatchObject({ ok: true });
      expect(checks.find((c) => c.name === 'Model')?.detail).toMatch(/not verified/);
    } finally {
      await model.close();
    }
  });
});
