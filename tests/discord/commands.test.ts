import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandPayloads, deployCommands, loadCommands } from '../../src/discord/commands.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { expectSafePayloads, SEED_ID, startHarness, textOf, type Harness } from './harness.ts';
import { buildBriefing } from '../../src/briefings/compose.ts';
import type { BriefingItem } from '../../src/briefings/types.ts';
import { DETAILED_ITEMS } from '../../src/presentation/briefing.ts';
import { makeReport } from '../briefings/support/harness.ts';

const HOSTILE_ID = 'hostile-report-everyone';
const HOSTILE = `---
id: ${HOSTILE_ID}
title: "@everyone **URGENT** <@123456789012345678> read this"
source: "Evil <@&223456789012345678> Press"
url: https://evil.example/report
authors:
  - "@here"
publishedAt: 2026-11-20
tags:
  - "||spoiler||"
---

@everyone Moscow and Beijing signed a pact, says <@123456789012345678>. **This** \`\`\`breaks\`\`\` the layout # if [unescaped](https://evil.example/phish).

> Quoted @here text about NATO and the European Union.

# A heading inside the report

Russia, China and Belarus held joint exercises near the border while Ukraine and NATO watched closely.
`;

let h: Harness;
let feeds: TestHttpServer;
let dir: string;

beforeAll(async () => {
  const commands = await loadCommands();
  h = await startHarness({ commands });
  dir = await mkdtemp(join(tmpdir(), 'sitrep-hostile-'));
  await writeFile(join(dir, `${HOSTILE_ID}.md`), HOSTILE);
  await h.app.ingest.ingestPath(dir);
  const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback Analysis</title><link>http://127.0.0.1/</link><description>d</description>
    <item><title>Sahel security outlook</title><link>FEEDURL/articles/sahel</link><guid>sahel-1</guid><pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate>
    <description>Mali, Niger and Burkina Faso left ECOWAS while Russia expanded its presence in the Sahel region of Africa.</description></item>
  </channel></rss>`;
  feeds = await startHttpServer({});
  feeds.route('/feed.xml', { headers: { 'content-type': 'application/rss+xml' }, body: rss.replaceAll('FEEDURL', feeds.url) });
  feeds.route('/articles/sahel', {
    headers: { 'content-type': 'text/html' },
    body: '<html><head><title>Sahel security outlook</title></head><body><article><h1>Sahel security outlook</h1><p>Mali, Niger and Burkina Faso left ECOWAS in January while Russia expanded its presence across the Sahel. France withdrew its troops. The African Union called for dialogue.</p><p>Analysts expect the juntas to deepen ties with Moscow.</p></article></body></html>',
  });
});

afterAll(async () => {
  await h?.close();
  await feeds?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const asModerator = () => ({ userId: h.moderator.id });

describe('deploying commands', () => {
  it('registers every command, guild-scoped, with moderator defaults where the whole command is moderator-only', async () => {
    const commands = await loadCommands();
    const names = commands.map((c) => c.data.name).sort();
    expect(names).toEqual(['Summarise link', 'actors', 'briefing', 'report', 'sources', 'summarise']);
    const payloads = commandPayloads(commands);
    // The message menu is registered with the slash commands: type 3, no description, servers only.
    expect(payloads.find((p) => p.name === 'Summarise link')).toEqual({ name: 'Summarise link', type: 3, contexts: [0] });
    expect(payloads.find((p) => p.name === 'sources')?.default_member_permissions).toBe('16');
    expect(payloads.find((p) => p.name === 'report')?.default_member_permissions ?? null).toBeNull();
    await deployCommands(h.bot.client.rest, h.fake.applicationId, commands, h.guild.id);
    expect(
      h.fake.commands.guild
        .get(h.guild.id)
        ?.map((c) => c.name)
        .sort(),
    ).toEqual(names);
  });
});

describe('/report', () => {
  it('latest lists reports as embeds with title, source, authors, date and link', async () => {
    const reply = await h.run({ name: 'report', subcommand: 'latest', options: { count: 5 } }).reply();
    const seed = reply.embeds.find((e: any) => /China/.test(e.title));
    expect(seed).toBeDefined();
    expect(seed.author?.name).toBe('SpecialEurasia');
    expect(seed.url).toMatch(/^https:\/\/www\.specialeurasia\.com\//);
    expect(textOf(reply)).toContain('Guido Keller');
  });

  it('search finds the seed report', async () => {
    const reply = await h.run({ name: 'report', subcommand: 'search', options: { query: 'Belarus defence cooperation' } }).reply();
    expect(reply.embeds[0]?.title).toMatch(/Belarus/);
  });

  it('show autocompletes titles (at most 25, within limits) and shows the chosen report', async () => {
    const choices = await h.fake
      .autocomplete({
        guildId: h.guild.id,
        channelId: h.channelId,
        userId: h.member.id,
        name: 'report',
        subcommand: 'show',
        options: { report: 'china' },
        focused: 'report',
      })
      .choices();
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.length).toBeLessThanOrEqual(25);
    for (const c of choices) expect(c.name.length).toBeLessThanOrEqual(100);
    const pick = choices.find((c) => /China/.test(c.name))!;
    const reply = await h.run({ name: 'report', subcommand: 'show', options: { report: String(pick.value) } }).reply();
    expect(reply.embeds[0].title).toMatch(/China’s defence cooperation/);
    expect(reply.embeds[0].description?.length).toBeGreaterThan(50);
  });

  it('refuses an out-of-range count with a specific ephemeral message', async () => {
    const reply = await h.run({ name: 'report', subcommand: 'latest', options: { count: 50 } }).reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/between 1 and 10/);
  });

  it('says so when no report matches', async () => {
    const reply = await h.run({ name: 'report', subcommand: 'show', options: { report: 'qqqzzzxxyy' } }).reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content.length).toBeGreaterThan(10);
    expect(reply.content).not.toMatch(/error id/);
  });

  it('shows a hostile report without pinging anyone or breaking the layout', async () => {
    const reply = await h.run({ name: 'report', subcommand: 'show', options: { report: HOSTILE_ID } }).reply();
    const text = textOf(reply);
    expect(text).toMatch(/URGENT/);
    expect(text).not.toMatch(/(?<!\u200b)@everyone|(?<!\u200b)@here|<@&?\d+>/);
    expect(reply.embeds[0].title).toContain('\\*\\*URGENT\\*\\*');
    expectSafePayloads(h.fake);
  });
});

describe('/summarise and /actors', () => {
  it('summarise defers, then edits in the summary with the engine in the footer', async () => {
    const handle = h.run({ name: 'summarise', options: { report: SEED_ID, length: 'brief' } });
    const reply = await handle.reply(20_000);
    expect(handle.callbacks[0]!.type).toBe(5);
    expect(reply.embeds[0].title).toMatch(/^Summary: /);
    expect(reply.embeds[0].description.length).toBeGreaterThan(40);
    expect(reply.embeds.at(-1).footer.text).toMatch(/offline/i);
  });

  it('actors of a report lists named actors with their type and mentions', async () => {
    const reply = await h.run({ name: 'actors', options: { report: SEED_ID } }).reply(20_000);
    const names = reply.embeds.flatMap((e: any) => (e.fields ?? []).map((f: any) => f.name));
    expect(names).toEqual(expect.arrayContaining(['China', 'Russia']));
    expect(textOf(reply)).toMatch(/mention/);
  });

  it('actors without a report summarises the last days across reports', async () => {
    const reply = await h.run({ name: 'actors' }).reply(20_000);
    // The fixtures are older than 7 days except the hostile one, so the command may fall back to the latest reports.
    expect(reply.embeds[0].title).toMatch(/^Key actors of the (last 7 days|latest reports)/);
    expect(reply.embeds[0].fields.length).toBeGreaterThan(1);
    expectSafePayloads(h.fake);
  });
});

describe('/briefing', () => {
  it('refuses subscribe to a member without Manage Server / Manage Channels', async () => {
    const reply = await h
      .run({ name: 'briefing', subcommand: 'subscribe', options: { channel: { channel: h.channelId }, time: '08:00', timezone: 'Europe/Rome' } })
      .reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/Manage Server or Manage Channels/);
    expect(await h.app.subscriptions.list(h.guild.id)).toEqual([]);
  });

  it('names the permission the bot lacks in the target channel', async () => {
    const noEmbeds = h.fake.addChannel(h.guild.id, { name: 'no-embeds', botDeny: ['EmbedLinks', 'SendMessages'] });
    await h.fake.waitFor(() => h.bot.client.channels.cache.has(noEmbeds.id));
    const reply = await h
      .run({
        name: 'briefing',
        subcommand: 'subscribe',
        ...asModerator(),
        options: { channel: { channel: noEmbeds.id }, time: '08:00', timezone: 'Europe/Rome' },
      })
      .reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/Send Messages/);
    expect(reply.content).toMatch(/Embed Links/);
  });

  it('refuses a channel of another server', async () => {
    const other = h.fake.addGuild({ name: 'Other server' });
    const foreign = h.fake.addChannel(other.id, { name: 'foreign' });
    await h.fake.waitFor(() => h.bot.client.channels.cache.has(foreign.id));
    const reply = await h
      .run({ name: 'briefing', subcommand: 'subscribe', ...asModerator(), options: { channel: { channel: foreign.id }, time: '08:00', timezone: 'UTC' } })
      .reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/another server|this server|not available/i);
    expect(await h.app.subscriptions.list(other.id)).toEqual([]);
  });

  it('refuses a moderator of another server acting on this server', async () => {
    const other = [...h.fake.guilds.values()].find((g) => g.name === 'Other server')!;
    const outsider = h.fake.addMember(other.id, { username: 'outsider', permissions: ['Administrator'] }).user;
    // The outsider invokes the command in their own server but targets our channel.
    const otherChannel = other.channels[0]!.id;
    const reply = await h.fake
      .command({
        guildId: other.id,
        channelId: otherChannel,
        userId: String(outsider.id),
        name: 'briefing',
        subcommand: 'unsubscribe',
        options: { channel: { channel: h.channelId } },
      })
      .reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).not.toMatch(/error id/);
  });

  it('rejects an invalid time with a specific message', async () => {
    const reply = await h
      .run({
        name: 'briefing',
        subcommand: 'subscribe',
        ...asModerator(),
        options: { channel: { channel: h.channelId }, time: '25:99', timezone: 'Europe/Rome' },
      })
      .reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/25:99|time|HH:MM/i);
  });

  it('subscribes, lists, previews, sends now and unsubscribes', async () => {
    const sub = await h
      .run({
        name: 'briefing',
        subcommand: 'subscribe',
        ...asModerator(),
        options: { channel: { channel: h.channelId }, time: '08:00', timezone: 'Europe/Rome', format: 'full' },
      })
      .reply();
    expect(textOf(sub)).toMatch(/08:00/);
    expect((await h.app.subscriptions.list(h.guild.id)).map((s) => s.channelId)).toEqual([h.channelId]);

    const tz = await h.fake
      .autocomplete({
        guildId: h.guild.id,
        channelId: h.channelId,
        userId: h.moderator.id,
        name: 'briefing',
        subcommand: 'subscribe',
        options: { timezone: 'rome' },
        focused: 'timezone',
      })
      .choices();
    expect(tz.map((c) => c.value)).toContain('Europe/Rome');

    const list = await h.run({ name: 'briefing', subcommand: 'list' }).reply();
    expect(list.ephemeral).toBe(true);
    expect(textOf(list)).toContain(`<#${h.channelId}>`);

    const preview = await h.run({ name: 'briefing', subcommand: 'preview', options: { channel: { channel: h.channelId } } }).reply(20_000);
    expect(preview.ephemeral).toBe(true);
    expect(textOf(preview).length).toBeGreaterThan(20);

    const before = h.fake.messages(h.channelId).length;
    const sent = await h.run({ name: 'briefing', subcommand: 'send-now', ...asModerator(), options: { channel: { channel: h.channelId } } }).reply(20_000);
    expect(sent.ephemeral).toBe(true);
    expect(sent.content).toMatch(/Posted|Nothing was posted/);
    if (/Posted/.test(sent.content)) {
      const posted = h.fake.messages(h.channelId).slice(before);
      expect(posted.length).toBeGreaterThan(0);
      for (const m of posted) expect(m.allowed_mentions).toEqual({ parse: [] });
    }

    const unsub = await h.run({ name: 'briefing', subcommand: 'unsubscribe', ...asModerator(), options: { channel: { channel: h.channelId } } }).reply();
    expect(unsub.content).toMatch(/Stopped/);
    expect(await h.app.subscriptions.list(h.guild.id)).toEqual([]);
    expectSafePayloads(h.fake);
  });
});

describe('buttons over the real discord.js client', () => {
  /** Presses a button of a message the bot sent in answer to `handle`, as the same member. */
  function press(handle: ReturnType<Harness['run']>, customId: string) {
    const { id: _id, token: _token, data: _data, type: _type, ...context } = handle.payload;
    return h.fake.interact({ ...context, type: 3, data: { custom_id: customId, component_type: 2 }, message: handle.original });
  }
  const buttons = (message: any): any[] => (message.components ?? []).flatMap((row: any) => row.components);

  it('Summary answers privately, Next replaces the page, an expired id gets a clear private answer', async () => {
    const extra = await mkdtemp(join(tmpdir(), 'sitrep-pages-'));
    for (const i of [1, 2]) {
      await writeFile(
        join(extra, `page-${i}.md`),
        `---\nid: page-report-${i}\ntitle: Page report ${i}\nsource: Loopback Review\npublishedAt: 2026-11-2${i}\n---\n\nNATO and Russia met in Vienna for talks number ${i}.\n`,
      );
    }
    await h.app.ingest.ingestPath(extra);
    const latest = h.run({ name: 'report', subcommand: 'latest', options: { count: 1 } });
    const first = await latest.reply();
    const summaryButton = buttons(first).find((b) => b.label === 'Summary');
    expect(summaryButton?.custom_id).toMatch(/^v1:summary:/);
    expect(buttons(first).map((b) => b.label)).toContain('Next ▶');

    const summary = await press(latest, summaryButton.custom_id).reply(20_000);
    expect(summary.ephemeral).toBe(true);
    expect(textOf(summary)).toMatch(/Summary: /);

    const next = buttons(first).find((b) => b.label === 'Next ▶');
    const paged = press(latest, next.custom_id);
    await h.fake.waitFor(() => paged.callbacks.length > 0, 10_000);
    expect(paged.callbacks[0]!.type).toBe(7);
    expect(paged.callbacks[0]!.data.content).toBe('1 latest report (page 2):');
    expect(buttons(paged.callbacks[0]!.data).map((b) => b.label)).toContain('◀ Previous');

    // A briefing's menu opens any of its reports' summaries privately.
    const seed = (await h.app.reports.loadReport(SEED_ID))!;
    const briefing = buildBriefing(
      [{ report: seed, summary: { reportId: seed.id, length: 'brief', sentences: [], text: 'S.', engine: { engine: 'offline', version: 't' } }, actors: [] }],
      {
        at: new Date('2026-11-27T07:00:00Z'),
        timezone: 'UTC',
        format: 'compact',
      },
    );
    const before = h.fake.messages(h.channelId).length;
    for (const message of h.bot.transport.renderBriefing(briefing)) await h.bot.transport.send(h.channelId, message);
    const posted = h.fake.messages(h.channelId).slice(before).at(-1)!;
    const menu = buttons(posted).find((c) => c.type === 3);
    expect(menu.options.map((o: any) => o.value)).toEqual([SEED_ID]);
    const { id: _i, token: _t, data: _d, type: _y, ...context } = latest.payload;
    const picked = await h.fake
      .interact({ ...context, type: 3, data: { custom_id: menu.custom_id, component_type: 3, values: [SEED_ID] }, message: posted })
      .reply(20_000);
    expect(picked.ephemeral).toBe(true);
    expect(textOf(picked)).toMatch(/Summary: China’s defence cooperation/);

    const expired = await press(latest, 'v0:summary:gone').reply();
    expect(expired).toMatchObject({ ephemeral: true, content: expect.stringMatching(/no longer valid/) });
    await rm(extra, { recursive: true, force: true });
    expectSafePayloads(h.fake);
  });
});

describe('/briefing against a hanging Discord', () => {
  it('answers send-now within the deadline instead of waiting for the retries', async () => {
    await h
      .run({
        name: 'briefing',
        subcommand: 'subscribe',
        ...asModerator(),
        options: { channel: { channel: h.channelId }, time: '08:00', timezone: 'UTC', empty: 'notice' },
      })
      .reply();
    const platform = h.bot.platform as { postDeadlineMs: number };
    platform.postDeadlineMs = 1_500;
    h.fake.latencyFor = (method, path) => (method === 'POST' && path === `/channels/${h.channelId}/messages` ? 30_000 : 0);
    try {
      const sent = await h.run({ name: 'briefing', subcommand: 'send-now', ...asModerator(), options: { channel: { channel: h.channelId } } }).reply(15_000);
      expect(sent).toMatchObject({ ephemeral: true, content: 'Discord did not accept the message in time; it will be retried at the next run.' });
    } finally {
      h.fake.latencyFor = undefined;
      platform.postDeadlineMs = 10_000;
      for (const s of await h.app.subscriptions.list(h.guild.id)) await h.app.subscriptions.remove(s.id, 'unsubscribed');
    }
  });
});

describe('a briefing with more reports than cards, all the way to the Discord payload', () => {
  it('posts the "And N more" card with real masked links, not escaped Markdown', async () => {
    const items: BriefingItem[] = Array.from({ length: 30 }, (_, i) => {
      const report = {
        ...makeReport(`overflow-${i}`, { title: `Report [${i}] @everyone`, url: `https://example.org/reports/${i}_(draft)` }),
        publishedAt: '2026-11-26T08:00:00Z',
      };
      return {
        report,
        summary: { reportId: report.id, length: 'brief', sentences: [], text: `Summary ${i}.`, engine: { engine: 'offline', version: 't' } },
        actors: [],
      } satisfies BriefingItem;
    });
    const briefing = buildBriefing(items, { at: new Date('2026-11-27T07:00:00Z'), timezone: 'UTC', format: 'full' });
    const before = h.fake.messages(h.channelId).length;
    for (const message of h.bot.transport.renderBriefing(briefing)) await h.bot.transport.send(h.channelId, message);
    const posted = h.fake.messages(h.channelId).slice(before);
    const overflow = posted.flatMap((m) => m.embeds ?? []).find((e: any) => e.title === `And ${30 - DETAILED_ITEMS.full} more`);
    expect(overflow).toBeDefined();
    const n = DETAILED_ITEMS.full;
    // The title is escaped inside the link text; the URL keeps its underscore and has its parentheses encoded.
    expect(overflow.description).toContain(`• [Report \\[${n}\\] @\u200beveryone](https://example.org/reports/${n}_%28draft%29) — SpecialEurasia, 26 Nov 2026`);
    expect(overflow.description).not.toMatch(/\\\[Report/);
    expect(overflow.description.split('\n')).toHaveLength(30 - n);
    expectSafePayloads(h.fake);
  });
});

describe('/sources', () => {
  it('refuses members', async () => {
    const reply = await h.run({ name: 'sources', subcommand: 'list' }).reply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/Manage Server or Manage Channels/);
  });

  it('adds a loopback feed (deferred), lists it, autocompletes and removes it', async () => {
    const add = h.run({ name: 'sources', subcommand: 'add', ...asModerator(), options: { url: `${feeds.url}/feed.xml` } });
    const added = await add.reply(20_000);
    expect(add.callbacks[0]!.type).toBe(5);
    expect(textOf(added)).toMatch(/Loopback Analysis|feed\.xml/);

    const list = await h.run({ name: 'sources', subcommand: 'list', ...asModerator() }).reply();
    expect(textOf(list)).toContain(`${feeds.url}/feed.xml`);

    const choices = await h.fake
      .autocomplete({
        guildId: h.guild.id,
        channelId: h.channelId,
        userId: h.moderator.id,
        name: 'sources',
        subcommand: 'remove',
        options: { source: 'loop' },
        focused: 'source',
      })
      .choices();
    expect(choices.length).toBe(1);

    const removed = await h.run({ name: 'sources', subcommand: 'remove', ...asModerator(), options: { source: String(choices[0]!.value) } }).reply();
    expect(removed.content).toMatch(/Stopped following/);
  });

  it('refuses an address that is not a feed with a specific message', async () => {
    const reply = await h.run({ name: 'sources', subcommand: 'add', ...asModerator(), options: { url: 'not a url' } }).reply(20_000);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).not.toMatch(/error id/);
  });
});

describe('direct messages', () => {
  it('answers /report in a DM and explains that server commands need a server', async () => {
    const dm = { channelId: '333333333333333333', userId: h.member.id };
    const latest = await h.fake.command({ ...dm, name: 'report', subcommand: 'latest' }).reply();
    expect(latest.embeds.length).toBeGreaterThan(0);
    const list = await h.fake.command({ ...dm, name: 'briefing', subcommand: 'list' }).reply();
    expect(list.ephemeral).toBe(true);
    expect(list.content).toMatch(/server/);
    expect(list.content).not.toMatch(/error id/);
  });
});

describe('every payload', () => {
  it('disabled mentions and fitted Discord limits', () => {
    expect(h.fake.allPayloads().length).toBeGreaterThan(15);
    expectSafePayloads(h.fake);
  });
});
