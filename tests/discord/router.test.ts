import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordAPIError } from 'discord.js';
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineCommand, defineCommandGroup, defineSubcommand, type CommandModule } from '../../src/core/command.ts';
import { UserError } from '../../src/core/errors.ts';
import { expectSafePayloads, startHarness, textOf, type Harness } from './harness.ts';

const seen: Array<Record<string, unknown>> = [];

const S = ApplicationCommandOptionType.String;
const sub = (name: string) => ({ type: ApplicationCommandOptionType.Subcommand, name, description: name }) as const;

const testCommands: CommandModule[] = [
  defineCommand({
    data: { name: 'echo', description: 'echo', options: [{ type: S, name: 'text', description: 't' }] },
    async execute(input) {
      seen.push({ ...input });
      return { content: String(input.args.text ?? 'empty') };
    },
  }),
  defineCommand({
    data: { name: 'hostile', description: 'hostile' },
    async execute() {
      const evil = '@everyone @here <@123456789012345678> <@&223456789012345678> **bold ```code ||spoiler # heading\n> quote [click](https://evil.example) ';
      return {
        content: evil.repeat(30),
        cards: Array.from({ length: 12 }, (_, i) => ({
          title: `${evil} ${i}`.repeat(5),
          description: evil.repeat(80),
          fields: Array.from({ length: 30 }, () => ({ name: evil, value: evil.repeat(20) })),
          footer: evil.repeat(30),
          author: evil,
        })),
      };
    },
  }),
  defineCommand({
    data: { name: 'slow', description: 'declares that it defers' },
    defer: 'public',
    async execute() {
      await new Promise((r) => setTimeout(r, 50));
      return { content: 'done after defer' };
    },
  }),
  defineCommand({
    data: { name: 'private', description: 'deferred publicly, answers ephemerally' },
    defer: 'public',
    async execute() {
      return { content: 'only for you', ephemeral: true };
    },
  }),
  defineCommand({
    data: { name: 'secret', description: 'deferred privately, answers privately' },
    defer: 'ephemeral',
    async execute() {
      return { content: 'private from the start', ephemeral: true };
    },
  }),
  defineCommand({
    data: { name: 'sluggish', description: 'slow without declaring it' },
    async execute() {
      await new Promise((r) => setTimeout(r, 2_300));
      return { content: 'late but delivered' };
    },
  }),
  defineCommand({
    data: { name: 'boom', description: 'throws' },
    async execute() {
      throw new TypeError('cannot read properties of undefined');
    },
  }),
  defineCommand({
    data: { name: 'oops', description: 'user error' },
    async execute() {
      throw new UserError('No report matches “xyz”. Try /report search.');
    },
  }),
  defineCommand({
    data: { name: 'forbidden', description: 'discord refuses' },
    async execute() {
      throw new DiscordAPIError({ code: 50013, message: 'Missing Permissions' }, 50013, 403, 'POST', '/channels/1/messages', {
        body: undefined,
        files: undefined,
      });
    },
  }),
  defineCommandGroup({
    data: { name: 'config', description: 'partly moderator-only' },
    subcommands: [
      defineSubcommand({
        data: sub('set'),
        moderator: true,
        async execute(input) {
          return { content: `config ${input.subcommand} by ${input.invoker.name} (moderator: ${input.invoker.isModerator})` };
        },
      }),
      defineSubcommand({
        data: sub('show'),
        async execute(input) {
          return { content: `config ${input.subcommand} by ${input.invoker.name} (moderator: ${input.invoker.isModerator})` };
        },
      }),
    ],
  }),
  defineCommand({
    data: {
      name: 'pick',
      description: 'autocomplete',
      options: [
        { type: S, name: 'thing', description: 't', autocomplete: true },
        { type: S, name: 'stuck', description: 't', autocomplete: true },
      ],
    },
    async execute() {
      return { content: 'picked' };
    },
    async autocomplete(input) {
      if (input.focused.name === 'stuck') return new Promise(() => undefined);
      return Array.from({ length: 40 }, (_, i) => ({ name: `${input.focused.value} choice ${i} `.repeat(20), value: `v${i}` }));
    },
  }),
  defineCommand({
    data: { name: 'bounded', description: 'declared limits', options: [{ type: S, name: 'text', description: 't', max_length: 10 }] },
    async execute(input) {
      return { content: `got ${input.args.text}` };
    },
  }),
];

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ commands: testCommands, seed: false });
});
afterAll(async () => {
  await h?.close();
});

describe('interaction router (test commands over the real discord.js client)', () => {
  it('maps options, invoker and channel into CommandInput and replies', async () => {
    const reply = await h.run({ name: 'echo', options: { text: 'hello' } }).reply();
    expect(reply.content).toBe('hello');
    expect(reply.ephemeral).toBe(false);
    const input = seen.at(-1)!;
    expect(input).toMatchObject({ guildId: h.guild.id, channelId: h.channelId, args: { text: 'hello' }, invoker: { id: h.member.id, isModerator: false } });
  });

  it('neutralises mentions and Markdown and splits oversized output into valid messages', async () => {
    const handle = h.run({ name: 'hostile' });
    const reply = await handle.reply();
    expect(reply.content).toBeTruthy();
    await handle.followupsAtLeast(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(handle.followups.length).toBeGreaterThan(2);
    const everything = [reply, ...handle.followups].map(textOf).join('\n');
    // Author and footer do not render Markdown, so only the Markdown-rendered parts must be escaped.
    const markdownParts = [reply, ...handle.followups]
      .flatMap((m) => [
        m.content,
        ...(m.embeds ?? []).flatMap((e: any) => [e.title, e.description, ...(e.fields ?? []).flatMap((f: any) => [f.name, f.value])]),
      ])
      .join('\n');
    expect(everything).not.toMatch(/(?<!\u200b)@everyone/);
    expect(everything).not.toMatch(/<@&?\d+>/);
    expect(markdownParts).not.toContain('**bold');
    expect(markdownParts).toContain('\\*\\*bold');
    expectSafePayloads(h.fake);
  });

  it('defers first and then edits the original reply', async () => {
    const handle = h.run({ name: 'slow' });
    const reply = await handle.reply();
    expect(handle.callbacks[0]!.type).toBe(5);
    expect(reply.content).toBe('done after defer');
    expect(h.fake.requests.some((r) => r.method === 'PATCH' && r.path.endsWith(`/${handle.token}/messages/@original`))).toBe(true);
  });

  it('replaces a public deferral with an ephemeral follow-up for private answers', async () => {
    const handle = h.run({ name: 'private' });
    const reply = await handle.reply();
    expect(handle.deleted).toBe(true);
    expect(reply.content).toBe('only for you');
    expect(reply.ephemeral).toBe(true);
  });

  it('defers privately when the command says its answer is private', async () => {
    const handle = h.run({ name: 'secret' });
    const reply = await handle.reply();
    expect(handle.callbacks[0]).toMatchObject({ type: 5, data: { flags: 64 } });
    expect(handle.deleted).toBe(false);
    expect(reply).toMatchObject({ content: 'private from the start', ephemeral: true });
  });

  it('defers on its own when a command runs close to the 3 s limit', async () => {
    const handle = h.run({ name: 'sluggish' });
    const reply = await handle.reply(8_000);
    expect(handle.callbacks[0]!.type).toBe(5);
    expect(reply.content).toBe('late but delivered');
  });

  it('answers an unexpected error with an apology and an error id that is in the logs', async () => {
    const reply = await h.run({ name: 'boom' }).reply();
    expect(reply.ephemeral).toBe(true);
    const id = /error id ([0-9a-f]{8})/.exec(reply.content)?.[1];
    expect(id).toBeDefined();
    expect(reply.content).not.toContain('cannot read properties');
    const logged = h.logs.find((l) => l.errorId === id);
    expect(logged?.err?.message).toContain('cannot read properties');
  });

  it('shows a UserError as its own ephemeral message', async () => {
    const reply = await h.run({ name: 'oops' }).reply();
    expect(reply).toMatchObject({ content: 'No report matches “xyz”. Try /report search.', ephemeral: true });
  });

  it('maps Discord API errors to what a moderator can do', async () => {
    const reply = await h.run({ name: 'forbidden' }).reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/missing a permission/i);
    expect(reply.content).toMatch(/Send Messages/);
  });

  it('refuses moderator-only subcommands to members, naming the permission, and allows the rest', async () => {
    const refused = await h.run({ name: 'config', subcommand: 'set' }).reply();
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toMatch(/Manage Server or Manage Channels/);
    const open = await h.run({ name: 'config', subcommand: 'show' }).reply();
    expect(open.content).toContain('config show');
    const allowed = await h.run({ name: 'config', subcommand: 'set', userId: h.moderator.id }).reply();
    expect(allowed.content).toContain('moderator: true');
  });

  it('answers autocomplete with at most 25 choices of at most 100 characters', async () => {
    const choices = await h.fake
      .autocomplete({ guildId: h.guild.id, channelId: h.channelId, userId: h.member.id, name: 'pick', options: { thing: 'chi' }, focused: 'thing' })
      .choices();
    expect(choices.length).toBe(25);
    for (const c of choices) expect(c.name.length).toBeLessThanOrEqual(100);
    expect(choices[0]!.name.startsWith('chi choice 0')).toBe(true);
  });

  it('answers an autocomplete that never finishes with no choices instead of timing out', async () => {
    const choices = await h.fake
      .autocomplete({ guildId: h.guild.id, channelId: h.channelId, userId: h.member.id, name: 'pick', options: { stuck: 'x' }, focused: 'stuck' })
      .choices(5_000);
    expect(choices).toEqual([]);
  });

  it('survives Discord refusing the reply itself and keeps serving', async () => {
    h.fake.failNext({ method: 'POST', path: /^\/interactions\/\d+\/[^/]+\/callback$/, status: 500, times: 8 });
    const handle = h.run({ name: 'echo', options: { text: 'lost' } });
    await h.fake.waitFor(() => h.logs.some((l) => /could not tell the user/.test(l.msg ?? '')), 8_000);
    expect(handle.callbacks.length).toBe(0);
    h.fake.clearFailures();
    const reply = await h.run({ name: 'echo', options: { text: 'still alive' } }).reply();
    expect(reply.content).toBe('still alive');
  });

  it('tells the user when a command is unknown to the bot', async () => {
    const reply = await h.run({ name: 'nonexistent' }).reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/not available/);
  });

  it('enforces declared option lengths bot-side, echoing nothing long', async () => {
    const reply = await h.run({ name: 'bounded', options: { text: 'x'.repeat(3_000) } }).reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toBe('Option "text" is too long: at most 10 characters (this one has 3,000).');
    expect((await h.run({ name: 'bounded', options: { text: 'short' } }).reply()).content).toBe('got short');
  });

  it('never sent a payload that could ping or break limits', () => {
    expect(h.fake.allPayloads().length).toBeGreaterThan(10);
    expectSafePayloads(h.fake);
  });
});
