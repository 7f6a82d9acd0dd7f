import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sources from '../../commands/sources/index.ts';
import { UserError } from '../../src/core/errors.ts';
import { complete, deferral, GUILD, input, makeApp, member, OTHER_GUILD, run, type TestApp } from './helpers.ts';
import { startFeedServer } from './feed-server.ts';

let t: TestApp;
let server: Awaited<ReturnType<typeof startFeedServer>>;
beforeAll(async () => {
  server = await startFeedServer();
  t = await makeApp();
});
afterAll(async () => {
  await t?.close();
  await server?.close();
});

const feedsOf = async (guildId: string) => (await t.app.feeds.list(guildId)).map((f) => f.url);

describe('/sources', () => {
  it('is a guild-only moderator command that defers on add', () => {
    const json = sources.data;
    expect(json.contexts).toEqual([0]);
    expect(json.default_member_permissions).toBe(String(1 << 4)); // Manage Channels
    expect(sources.moderator).toBe(true);
    expect(deferral(sources, t.app, input('add', { url: 'https://example.org/feed' }))).toBe('public');
    expect(deferral(sources, t.app, input('list'))).toBeUndefined();
  });

  it('refuses members, direct messages and unsafe URLs, changing nothing', async () => {
    const cases: Array<[ReturnType<typeof input>, RegExp]> = [
      [input('add', { url: `${server.url}/feed.xml` }, { invoker: member }), /Manage Server or Manage Channels/],
      [input('add', { url: `${server.url}/feed.xml` }, { guildId: undefined }), /only works inside a server/],
      [input('list', {}, { invoker: member }), /Manage Server or Manage Channels/],
      [input('add', { url: 'ftp://example.org/feed' }), /http/i],
      [input('add', { url: 'not a url' }), /.+/],
    ];
    for (const [commandInput, message] of cases) {
      const error = await run(sources, t.app, commandInput).catch((e) => e);
      expect(error, String(commandInput.options.url)).toBeInstanceOf(UserError);
      expect(error.message).toMatch(message);
    }
    expect(await feedsOf(GUILD)).toEqual([]);
  });

  it('says what to do when the feed cannot be fetched', async () => {
    // A port that was just free: nothing listens there, so the connection is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const unreachable = await run(sources, t.app, input('add', { url: `http://127.0.0.1:${port}/feed.xml` })).catch((e) => e);
    expect(unreachable).toBeInstanceOf(UserError);
    expect(unreachable.message).toMatch(
      /^Could not add the feed: .+\. Check the address, and that the bot’s machine can reach the internet\. Nothing was added\.$/,
    );
    const missing = await run(sources, t.app, input('add', { url: `${server.url}/no-such-feed.xml` })).catch((e) => e);
    expect(missing.message).toMatch(/^Could not add the feed: .*404.*\. Check the address: open it in a browser/);
    expect(await feedsOf(GUILD)).toEqual([]);
  });

  it('adds a feed, lists it for this server only, and removes it', async () => {
    const url = `${server.url}/feed.xml`;
    const added = await run(sources, t.app, input('add', { url }));
    expect(added.cards![0]!.title).toBe('Now following Loopback Strategic Review');
    expect(added.cards![0]!.description).toContain(url);
    expect(await feedsOf(GUILD)).toEqual([url]);
    expect(await feedsOf(OTHER_GUILD)).toEqual([]);

    const list = await run(sources, t.app, input('list'));
    expect(list.ephemeral).toBe(true);
    expect(list.cards![0]!.fields).toHaveLength(1);
    expect(list.cards![0]!.fields![0]!.name).toBe('Loopback Strategic Review');
    expect((await run(sources, t.app, input('list', {}, { guildId: OTHER_GUILD }))).content).toContain('follows no feeds');

    const choices = await complete(sources, t.app, { subcommand: 'remove', focused: { name: 'source', value: 'loopback' }, guildId: GUILD });
    expect(choices).toHaveLength(1);
    const otherChoices = await complete(sources, t.app, { subcommand: 'remove', focused: { name: 'source', value: '' }, guildId: OTHER_GUILD });
    expect(otherChoices).toEqual([]);

    // Another server cannot remove this server's feed.
    await expect(run(sources, t.app, input('remove', { source: choices[0]!.value }, { guildId: OTHER_GUILD }))).rejects.toThrow(/follows no feed matching/);
    expect(await feedsOf(GUILD)).toEqual([url]);

    const removed = await run(sources, t.app, input('remove', { source: choices[0]!.value }));
    expect(removed.content).toBe('Stopped following Loopback Strategic Review. Reports already added stay in the library.');
    expect(await feedsOf(GUILD)).toEqual([]);
    await expect(run(sources, t.app, input('remove', { source: choices[0]!.value }))).rejects.toThrow(/follows no feed matching/);
  });
});
