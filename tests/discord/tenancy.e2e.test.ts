import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createStore } from '../../src/store/index.ts';
import { createDiscordBot, type DiscordBot } from '../../src/discord/bot.ts';
import { startFakeDiscord, type FakeDiscord, type FakeGuild, type InteractionHandle } from '../support/discord/server.ts';
import { contextOf, messageMenu } from '../support/discord/context-menu.ts';
import { expectSafePayloads, SEED_ID, SEED_REPORT, textOf } from './harness.ts';

/**
 * Tenancy end to end, with the real discord.js client against the loopback Discord-compatible server:
 * two servers follow different feeds and add an article each; nothing of server A may reach any payload
 * sent into server B (interaction answers, edits, follow-ups, channel posts), DMs see the operator
 * library only, and /report add, the message menu, the buttons and the pages work again after a restart.
 */

const TODAY = new Date().toISOString();

/** Two tenants' feeds and articles, with words of their own so a leak is recognisable. */
const PAGES: Record<string, { title: string; body: string }> = {
  '/a/zanthor-patrols': {
    title: 'Zanthor Strait patrols expand',
    body: 'Russia and NATO ships crowd the Zanthor Strait. Norway has asked for talks in Oslo, while China watches the route.',
  },
  '/a/zanthor-yards': {
    title: 'Zanthor shipyards double output',
    body: 'The Zanthor shipyards build frigates for Russia. Germany and France worry about exports to Iran.',
  },
  '/a/quillon-talks': {
    title: 'Quillon pipeline talks collapse',
    body: 'Quillon pipeline talks between Turkey and Azerbaijan collapsed in Ankara. The European Union called for calm.',
  },
  '/b/maribel-fisheries': {
    title: 'Maribel coastal fisheries dispute',
    body: 'Fishing boats from Spain and Morocco clash off Maribel. The European Union and NATO were asked to mediate.',
  },
  '/b/maribel-strike': {
    title: 'Maribel port strike spreads',
    body: 'Dock workers in Maribel extend their strike. Russia and China diverted cargo ships to Tangier.',
  },
  '/b/orvain-grid': {
    title: 'Orvain grid modernisation plan',
    body: 'Orvain presented a grid plan with Germany. NATO engineers and Norway offered help with undersea cables.',
  },
  '/b/orvain-rail': {
    title: 'Orvain rail corridor approved',
    body: 'The Orvain rail corridor to Poland was approved. Russia protested and the European Union promised funds.',
  },
};

function page(path: string): string {
  const { title, body } = PAGES[path]!;
  const paragraphs = [
    body,
    `${body} Officials expect the matter to return at the next summit, and analysts say the outcome will shape the region for years.`,
    'Diplomats from several capitals are following the developments closely, and markets reacted with caution to the news.',
  ];
  return `<!doctype html><html><head><title>${title}</title><meta property="article:published_time" content="${TODAY}"></head><body><article><h1>${title}</h1>${paragraphs.map((p) => `<p>${p}</p>`).join('')}</article></body></html>`;
}

function feed(base: string, tenant: 'a' | 'b'): string {
  const items = Object.entries(PAGES)
    .filter(([path]) => path.startsWith(`/${tenant}/`) && !/quillon|orvain/.test(path))
    .map(
      ([path, { title, body }]) =>
        `<item><title>${title}</title><link>${base}${path}</link><guid>${path}</guid><pubDate>${new Date().toUTCString()}</pubDate><description>${body}</description></item>`,
    );
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Tenant ${tenant.toUpperCase()} Review</title><link>${base}/</link><description>t</description>${items.join('')}</channel></rss>`;
}

async function startSite(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const m = /^\/(a|b)\/feed\.xml$/.exec(req.url ?? '');
    if (m) {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      res.end(feed(base, m[1] as 'a' | 'b'));
    } else if (req.url && PAGES[req.url]) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(req.url));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

interface Tenant {
  guild: FakeGuild;
  channelId: string;
  moderator: string;
  member: string;
}

let fake: FakeDiscord;
let site: Awaited<ReturnType<typeof startSite>>;
let dir: string;
let storeUrl: string;
let app: App;
let bot: DiscordBot;
let A: Tenant;
let B: Tenant;
/** Every interaction sent in server B: its answers are server B's payloads. */
const inB: InteractionHandle[] = [];
/** What B's members typed themselves (A's titles and ids, as probes): an answer may quote that back. */
const typedBy = new Map<string, string>();

async function startBot(): Promise<void> {
  const config = loadConfig({
    DISCORD_TOKEN: fake.token,
    DISCORD_API_URL: fake.apiUrl,
    STORE_URL: storeUrl,
    BRIEFS_DIR: join(dir, 'no-briefs'),
    FETCH_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'silent',
  });
  app = await createApp(config, { store: await createStore(storeUrl) });
  bot = await createDiscordBot(app);
}

async function stopBot(): Promise<void> {
  await bot.stop().catch(() => undefined);
  await app.close().catch(() => undefined);
}

function tenant(name: string): Tenant {
  const guild = fake.addGuild({ name });
  const channel = fake.addChannel(guild.id, { name: 'news' });
  return {
    guild,
    channelId: channel.id,
    moderator: String(fake.addMember(guild.id, { username: `${name}-mod`, permissions: ['ManageGuild'] }).user.id),
    member: String(fake.addMember(guild.id, { username: `${name}-reader` }).user.id),
  };
}

function run(
  t: Tenant,
  who: 'moderator' | 'member',
  name: string,
  subcommand?: string,
  options?: Record<string, string | number | boolean | { channel: string }>,
): InteractionHandle {
  const handle = fake.command({ guildId: t.guild.id, channelId: t.channelId, userId: t[who], name, subcommand, options });
  if (t === B) inB.push(handle);
  return handle;
}

function pressIn(t: Tenant, origin: InteractionHandle, customId: string, values?: string[]): InteractionHandle {
  const data = values ? { custom_id: customId, component_type: 3, values } : { custom_id: customId, component_type: 2 };
  const handle = fake.interact({ ...contextOf(origin), type: 3, data, message: origin.original ?? { id: '1', channel_id: t.channelId } });
  if (t === B) inB.push(handle);
  return handle;
}

function menuIn(t: Tenant, origin: InteractionHandle, content: string): InteractionHandle {
  const handle = messageMenu(fake, contextOf(origin), 'Summarise link', { content });
  if (t === B) inB.push(handle);
  return handle;
}

const components = (message: any): any[] => (message?.components ?? []).flatMap((row: any) => row.components);
const button = (message: any, label: RegExp) => components(message).find((c) => c.type === 2 && label.test(c.label ?? ''));

/** Every body the server received for server B: answers to B's interactions and posts into B's channel. */
function payloadsOfB(): string[] {
  const bodies: string[] = [];
  for (const r of fake.requests) {
    if (r.body === undefined || r.body === null) continue;
    const handle = inB.find((h) => r.path.includes(`/${h.token}`) || r.path.startsWith(`/interactions/${h.id}/`));
    if (!handle && !r.path.startsWith(`/channels/${B.channelId}/`)) continue;
    const typed = handle ? typedBy.get(handle.token) : undefined;
    const text = JSON.stringify(r.body);
    bodies.push(typed ? text.split(typed).join('<what the member typed>') : text);
  }
  return bodies;
}

/** A command in B where the member types one of A's titles or ids: the answer may quote the typed text, nothing else of A. */
function probe(t: Tenant, typed: string, name: string, subcommand: string | undefined, options: Record<string, string>): InteractionHandle {
  const handle = run(t, 'member', name, subcommand, options);
  typedBy.set(handle.token, typed);
  return handle;
}

/** Titles and ids of the reports only server A may see (not the operator's). */
function onlyA(): string[] {
  const operator = new Set(app.reports.list({ guildId: null }).map((r) => r.id));
  return app.reports
    .list({ guildId: A.guild.id })
    .filter((r) => !operator.has(r.id))
    .flatMap((r) => [r.id, r.title]);
}

/** A's feed name too: it is no report of B's, so it must not show up in B (e.g. in source autocomplete). */
const A_SOURCE = 'Tenant A Review';

function expectNothingOfA(): void {
  const secrets = [...onlyA(), A_SOURCE];
  expect(secrets.length).toBeGreaterThanOrEqual(7);
  const bodies = payloadsOfB();
  expect(bodies.length).toBeGreaterThan(10);
  const all = bodies.join('\n');
  for (const secret of secrets) {
    const leaked = bodies.find((b) => b.includes(secret));
    expect(leaked, `server B received "${secret}": ${leaked?.slice(0, 1500)}`).toBeUndefined();
  }
  // The check can fail: B's own reports are there.
  expect(all).toContain('Maribel');
}

beforeAll(async () => {
  fake = await startFakeDiscord();
  A = tenant('Alpha');
  B = tenant('Bravo');
  site = await startSite();
  dir = await mkdtemp(join(tmpdir(), 'sitrep-tenancy-'));
  storeUrl = `sqlite://${join(dir, 'sitrep.sqlite')}`;
  await startBot();
  await app.ingest.ingestPath(SEED_REPORT); // the operator library, visible everywhere
}, 60_000);

afterAll(async () => {
  await stopBot();
  await fake?.close();
  await site?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('two servers with their own sources', () => {
  let addedInA: InteractionHandle;
  let addedInB: InteractionHandle;
  let latestInB: InteractionHandle;

  it('each follows its feed and adds an article; the answers show their own reports', async () => {
    // B's briefing exists before its reports arrive, so they are new to it.
    const sub = await run(B, 'moderator', 'briefing', 'subscribe', { channel: { channel: B.channelId }, time: '08:00', timezone: 'UTC' }).reply();
    expect(textOf(sub)).toMatch(/<#\d+>|news/);
    expect(textOf(await run(A, 'moderator', 'sources', 'add', { url: `${site.url}/a/feed.xml` }).reply(30_000))).toMatch(/Tenant A Review[\s\S]*2 reports/);
    expect(textOf(await run(B, 'moderator', 'sources', 'add', { url: `${site.url}/b/feed.xml` }).reply(30_000))).toMatch(/Tenant B Review[\s\S]*2 reports/);
    // /sources list agrees with what /sources add said.
    expect(textOf(await run(B, 'moderator', 'sources', 'list').reply())).toMatch(/2 reports/);
    addedInA = run(A, 'moderator', 'report', 'add', { url: `${site.url}/a/quillon-talks` });
    expect(textOf(await addedInA.reply(30_000))).toMatch(/Quillon pipeline talks collapse/);
    addedInB = run(B, 'moderator', 'report', 'add', { url: `${site.url}/b/orvain-grid` });
    const card = await addedInB.reply(30_000);
    expect(textOf(card)).toMatch(/Orvain grid modernisation plan/);
    expect(components(card).map((c) => c.label)).toEqual(['Summary', 'Key actors', 'Original']);
  }, 90_000);

  it('server B never sees a report of server A, in any answer', async () => {
    const aIds = onlyA().filter((_, i) => i % 2 === 0);
    // Search with A's own words, latest (and its pages), autocomplete, /actors both forms, preview, a briefing.
    expect(textOf(await run(B, 'member', 'report', 'search', { query: 'Zanthor Quillon shipyards pipeline' }).reply())).toMatch(/^No reports match/);
    expect(textOf(await run(B, 'member', 'report', 'search', { query: 'Maribel' }).reply())).toMatch(/Maribel/);
    latestInB = run(B, 'member', 'report', 'latest', { count: 1 });
    const latest = await latestInB.reply();
    const next = button(latest, /Next/);
    expect(next).toBeDefined();
    for (let page = pressIn(B, latestInB, next.custom_id), i = 0; i < 6; i++) {
      await fake.waitFor(() => page.callbacks.length > 0, 10_000);
      const more = button(page.callbacks[0]!.data, /Next/);
      if (!more) break;
      page = pressIn(B, { ...latestInB, original: page.callbacks[0]!.data } as InteractionHandle, more.custom_id);
    }
    for (const typed of ['', 'Zan', 'Quil', 'Mar']) {
      const handle = fake.autocomplete({
        guildId: B.guild.id,
        channelId: B.channelId,
        userId: B.member,
        name: 'report',
        subcommand: 'show',
        options: { report: typed },
        focused: 'report',
      });
      inB.push(handle);
      const choices = await handle.choices();
      for (const choice of choices) expect(aIds).not.toContain(choice.value);
      if (typed === 'Mar') expect(choices.map((c) => c.name)).toContain('Maribel port strike spreads');
    }
    for (const [name, subcommand] of [
      ['actors', undefined],
      ['summarise', undefined],
    ] as const) {
      const handle = fake.autocomplete({
        guildId: B.guild.id,
        channelId: B.channelId,
        userId: B.member,
        name,
        subcommand,
        options: { report: '' },
        focused: 'report',
      });
      inB.push(handle);
      const values = (await handle.choices()).map((c) => c.value);
      expect(values.length).toBeGreaterThan(0);
      for (const id of aIds) expect(values).not.toContain(id);
    }
    const sources = fake.autocomplete({
      guildId: B.guild.id,
      channelId: B.channelId,
      userId: B.member,
      name: 'report',
      subcommand: 'latest',
      options: { source: '' },
      focused: 'source',
    });
    inB.push(sources);
    expect((await sources.choices()).map((c) => c.name)).toEqual(expect.arrayContaining(['Tenant B Review']));
    expect((await sources.choices()).map((c) => c.name)).not.toContain(A_SOURCE);
    expect(textOf(await run(B, 'member', 'actors').reply(30_000))).toMatch(/Key actors/);
    for (const id of aIds) expect(textOf(await probe(B, id, 'actors', undefined, { report: id }).reply(30_000))).toMatch(/No report matches/);
    for (const id of aIds) expect(textOf(await probe(B, id, 'summarise', undefined, { report: id }).reply(30_000))).toMatch(/No report matches/);
    expect(textOf(await probe(B, 'Quillon pipeline talks collapse', 'report', 'show', { report: 'Quillon pipeline talks collapse' }).reply())).toMatch(
      /No report matches/,
    );

    // Buttons and the menu with A's ids: "not found", never the report.
    for (const id of aIds) {
      for (const action of ['summary', 'actors']) {
        expect((await pressIn(B, latestInB, `v1:${action}:${encodeURIComponent(id)}`).reply(20_000)).content).toMatch(/^Report not found/);
      }
      expect((await pressIn(B, latestInB, 'v1:summary', [id]).reply(20_000)).content).toMatch(/^Report not found/);
    }

    // Preview and a briefing posted into B's channel.
    const preview = textOf(await run(B, 'moderator', 'briefing', 'preview').reply(30_000));
    expect(preview, preview).toMatch(/Orvain/);
    await run(B, 'moderator', 'briefing', 'send-now', { channel: { channel: B.channelId } }).reply(30_000);
    const posted = fake.messages(B.channelId);
    expect(posted.map(textOf).join('\n')).toMatch(/Orvain grid modernisation plan/);
    // A briefing item card's own buttons work in B.
    const itemSummary = posted.map((m) => button(m, /^Summary: Orvain/)).find(Boolean);
    expect(itemSummary).toBeDefined();
    expect(textOf(await pressIn(B, latestInB, itemSummary.custom_id).reply(20_000))).toMatch(/Summary: Orvain grid/);

    // The message menu in B on B's own link.
    const menu = await menuIn(B, latestInB, `read this: ${site.url}/b/maribel-strike`).reply(30_000);
    expect(menu.ephemeral).toBe(true);
    expect(textOf(menu)).toMatch(/Summary: Maribel port strike spreads[\s\S]*Key actors: Maribel/);

    expectNothingOfA();
    expectSafePayloads(fake);
  }, 240_000);

  it('direct messages see the operator library only', async () => {
    const dm = (options: Record<string, string>) =>
      fake.command({ channelId: '999000000000000001', userId: B.member, name: 'report', subcommand: 'search', options });
    expect(textOf(await dm({ query: 'Zanthor Quillon Maribel Orvain' }).reply())).toMatch(/^No reports match/);
    expect(textOf(await dm({ query: 'China Belarus defence' }).reply())).toMatch(/China’s defence cooperation/);
    const latest = textOf(
      await fake.command({ channelId: '999000000000000001', userId: B.member, name: 'report', subcommand: 'latest', options: { count: 10 } }).reply(),
    );
    expect(latest).not.toMatch(/Zanthor|Quillon|Maribel|Orvain/);
    expect(app.reports.get(SEED_ID, { guildId: null })).toBeDefined();
  }, 60_000);

  it('after a restart on the same store: /report add, the message menu, every button and the pages still work', async () => {
    const before = await addedInB.reply();
    await stopBot();
    await startBot();
    const summary = await pressIn(B, addedInB, button(before, /^Summary$/).custom_id).reply(20_000);
    expect(summary.ephemeral).toBe(true);
    expect(textOf(summary)).toMatch(/Summary: Orvain grid modernisation plan/);
    expect(textOf(await pressIn(B, addedInB, button(before, /^Key actors$/).custom_id).reply(20_000))).toMatch(/Key actors: Orvain grid/);
    expect(button(before, /^Original$/).url).toBe(`${site.url}/b/orvain-grid`);

    const latest = await latestInB.reply();
    const paged = pressIn(B, latestInB, button(latest, /Next/).custom_id);
    await fake.waitFor(() => paged.callbacks.length > 0, 10_000);
    expect(paged.callbacks[0]!.type).toBe(7);
    expect(paged.callbacks[0]!.data.content).toMatch(/\(page 2\)/);

    const added = await run(B, 'moderator', 'report', 'add', { url: `${site.url}/b/orvain-rail` }).reply(30_000);
    expect(textOf(added)).toMatch(/Added to this server’s library[\s\S]*Orvain rail corridor approved/);
    const menu = await menuIn(B, latestInB, `${site.url}/b/orvain-rail`).reply(30_000);
    expect(textOf(menu)).toMatch(/Summary: Orvain rail corridor approved/);
    // Still nothing of A in B, and A still sees its own.
    expectNothingOfA();
    expect(textOf(await run(A, 'member', 'report', 'search', { query: 'Quillon' }).reply())).toMatch(/Quillon pipeline talks collapse/);
    expectSafePayloads(fake);
  }, 120_000);
});
