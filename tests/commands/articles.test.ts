import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeActionId } from '../../src/core/actions.ts';
import { dispatch, dispatchAction } from '../../src/core/dispatch.ts';
import { loadRegistry, type CommandRegistry } from '../../src/core/registry.ts';
import { renderBriefingMessages } from '../../src/discord/render.ts';
import { presentBriefing } from '../../src/presentation/briefing.ts';
import { actorsCard } from '../../src/presentation/analysis.ts';
import { buildBriefing } from '../../src/briefings/compose.ts';
import { feedStatus } from '../../commands/sources/feeds.ts';
import { linksIn } from '../../commands/_shared/articles.ts';
import { runTerminalCommand } from '../../src/terminal/run.ts';
import { LOCAL_GUILD_ID } from '../../src/terminal/platform.ts';
import { startFeedServer } from './feed-server.ts';
import { fakePlatform, GUILD, makeApp, member, moderator, NOW, OTHER_GUILD, type TestApp } from './helpers.ts';

let t: TestApp;
let registry: CommandRegistry;
let site: Awaited<ReturnType<typeof startFeedServer>>;
beforeAll(async () => {
  t = await makeApp();
  registry = await loadRegistry();
  site = await startFeedServer();
});
afterAll(async () => {
  await site?.close();
  await t?.close();
});

const ctx = () => ({ services: t.app, platform: fakePlatform() });
const runIn = (guildId: string | undefined, command: string, subcommand: string | undefined, options: Record<string, string | number>, invoker = moderator) =>
  dispatch(registry, { command, subcommand, options, invoker, guildId, channelId: 'c' }, ctx());

describe('/report add', () => {
  it('fetches the article, stores it in this server only and answers with its card and buttons', async () => {
    const added = await runIn(GUILD, 'report', 'add', { url: `${site.url}/arctic` });
    expect(added.status).toBe('ok');
    expect(added.reply.content).toBe('Added to this server’s library:');
    const card = added.reply.cards![0]!;
    expect(card.title).toBe("Arctic shipping routes and Russia's northern fleet");
    expect(card.actions!.map((a) => ('label' in a ? a.label : a.kind))).toEqual(['Summary', 'Key actors', 'Original']);
    const id = card.footer!.replace('Report id: ', '');

    // Visible here; not in another server, nor in DMs (operator library only).
    expect((await runIn(GUILD, 'report', 'search', { query: 'arctic northern fleet' }, member)).reply.cards?.[0]?.title).toBe(card.title);
    const elsewhere = await runIn(OTHER_GUILD, 'report', 'search', { query: 'arctic northern fleet' }, member);
    expect(JSON.stringify(elsewhere.reply)).not.toContain('Arctic shipping');
    const dm = await runIn(undefined, 'report', 'search', { query: 'arctic northern fleet' }, member);
    expect(JSON.stringify(dm.reply)).not.toContain('Arctic shipping');

    // Its buttons pressed in the other server answer "not found", never the report.
    for (const action of ['summary', 'actors']) {
      const pressed = await dispatchAction(registry, encodeActionId({ action, args: [id] })!, { invoker: member, guildId: OTHER_GUILD, channelId: 'c' }, ctx());
      expect(pressed.reply).toMatchObject({ ephemeral: true, content: expect.stringMatching(/^Report not found/) });
      const here = await dispatchAction(registry, encodeActionId({ action, args: [id] })!, { invoker: member, guildId: GUILD, channelId: 'c' }, ctx());
      expect(here.reply.cards![0]!.title).toContain('Arctic shipping');
    }

    const again = await runIn(GUILD, 'report', 'add', { url: `${site.url}/arctic` });
    expect(again.reply.content).toBe('Already in the library (unchanged):');
  });

  it('is for moderators inside a server, and every refusal is specific and stores nothing', async () => {
    const count = t.app.reports.count();
    expect((await runIn(GUILD, 'report', 'add', { url: `${site.url}/arctic` }, member)).reply.content).toMatch(/for moderators/);
    expect((await runIn(undefined, 'report', 'add', { url: `${site.url}/arctic` })).reply.content).toMatch(/only works inside a server/);
    expect((await runIn(GUILD, 'report', 'add', { url: 'ftp://example.org/x' })).reply.content).toMatch(/^Give the full address of an article/);
    expect((await runIn(GUILD, 'report', 'add', { url: `${site.url}/missing` })).reply.content).toMatch(/^Could not add the article: .*404.*Check the address/);
    expect((await runIn(GUILD, 'report', 'add', { url: `${site.url}/feed.xml` })).reply.content).toMatch(/feed.*\/sources add.*Nothing was added/);
    expect(t.app.reports.count()).toBe(count);
  });

  it('refuses private addresses under the default fetch rules', async () => {
    const strict = await makeApp({ env: { FETCH_ALLOW_PRIVATE: 'false' } });
    try {
      const result = await dispatch(
        registry,
        { command: 'report', subcommand: 'add', options: { url: `${site.url}/arctic` }, invoker: moderator, guildId: GUILD, channelId: 'c' },
        { services: strict.app, platform: fakePlatform() },
      );
      expect(result.status).toBe('user_error');
      expect(result.reply.content).toMatch(/^Could not add the article: .*(private|loopback|not allowed|refused).*public http\(s\) addresses/i);
    } finally {
      await strict.close();
    }
  });
});

describe('Summarise link (message menu)', () => {
  const menu = (text: string, invoker = member, where: { guildId?: string } = { guildId: GUILD }) =>
    dispatch(registry, { command: 'Summarise link', options: { message: text }, invoker, guildId: where.guildId, channelId: 'c' }, ctx());

  it('finds the link in any message, answers privately with summary and actors, stored in this server', async () => {
    const result = await menu(`Have you seen this? <${site.url}/arctic>, worth a read.`);
    expect(result.status).toBe('ok');
    expect(result.reply.ephemeral).toBe(true);
    expect(result.reply.cards!.map((c) => c.title!.split(':')[0])).toEqual(['Summary', 'Key actors']);
    expect(JSON.stringify(result.reply)).toMatch(/Russia/);
    const otherView = t.app.reports.search('arctic northern fleet', { guildId: OTHER_GUILD });
    expect(otherView.map((r) => r.title)).not.toContain("Arctic shipping routes and Russia's northern fleet");
  });

  it('says so when a message has no link, and only works in servers', async () => {
    expect((await menu('no links here, just words', { ...member, id: 'u-nolink' })).reply.content).toBe('That message has no http(s) link to summarise.');
    expect((await menu(`${site.url}/arctic`, member, {})).reply.content).toMatch(/only works inside a server/);
  });

  it('is rate-limited per person, with when to try again', async () => {
    const person = { ...member, id: 'u-limited' };
    for (let i = 0; i < 5; i++) expect((await menu(`${site.url}/arctic`, person)).status).toBe('ok');
    const refused = await menu(`${site.url}/arctic`, person);
    expect(refused.status).toBe('user_error');
    const retryAt = Math.floor(NOW.getTime() / 1000) + 600;
    expect(refused.reply.content).toBe(`You have summarised 5 links in the last 10 minutes, the most allowed. Try again <t:${retryAt}:R> (<t:${retryAt}:T>).`);
    // Someone else is not affected; the window slides.
    expect((await menu(`${site.url}/arctic`, { ...member, id: 'u-other' })).status).toBe('ok');
    t.clock.set(new Date(NOW.getTime() + 601_000));
    try {
      expect((await menu(`${site.url}/arctic`, person)).status).toBe('ok');
    } finally {
      t.clock.set(NOW);
    }
  });

  it('is offered in the terminal as summarise-link <url>', async () => {
    const text = await runTerminalCommand(t.app, `summarise-link ${site.url}/arctic`);
    expect(text).toMatch(/Summary: Arctic shipping/);
    expect(text).toMatch(/Key actors: Arctic shipping/);
    expect(t.app.reports.search('arctic northern fleet', { guildId: LOCAL_GUILD_ID }).length).toBeGreaterThan(0);
    expect(await runTerminalCommand(t.app, 'help summarise-link')).toMatch(/message menu “Summarise link”/);
  });

  it('extracts http(s) links only, without surrounding punctuation or Markdown', () => {
    expect(linksIn('see [this](https://a.example/x?y=1). and <http://b.example/p>, ftp://c.example/')).toEqual([
      'https://a.example/x?y=1',
      'http://b.example/p',
    ]);
    expect(linksIn('nothing')).toEqual([]);
  });
});

describe('briefing item cards', () => {
  it('carry Summary, Key actors and Original buttons, named so stacked rows say whose they are, each card its own row', async () => {
    const seed = (await t.app.reports.loadMany(t.app.reports.list({ limit: 1 }).map((r) => r.id)))[0]!;
    const items = Array.from({ length: 9 }, (_, i) => ({
      report: { ...seed, id: `${seed.id}-${i}`, title: `Report number ${i}` },
      summary: { reportId: seed.id, length: 'brief' as const, sentences: [], text: 'S.', engine: { engine: 'offline' as const, version: 't' } },
      actors: [],
    }));
    const briefing = buildBriefing(items, { at: NOW, timezone: 'UTC', format: 'full' });
    const reply = presentBriefing(briefing);
    expect(reply.cards![1]!.actions!.map((a) => ('label' in a ? a.label : a.kind))).toEqual(['Summary: Report number 0', 'Key actors', 'Original']);
    const messages = renderBriefingMessages(reply);
    const rows = messages.flatMap((m) => m.components ?? []);
    const summaryIds = rows.flatMap((row) => row.components).flatMap((c) => ('custom_id' in c && c.custom_id.startsWith('v1:summary:') ? [c.custom_id] : []));
    expect(summaryIds).toEqual(items.map((item) => `v1:summary:${encodeURIComponent(item.report.id)}`));
    for (const m of messages) expect((m.components ?? []).length).toBeLessThanOrEqual(5);
  });
});

describe('the actors card', () => {
  it('shows the engine’s note', () => {
    const report = { id: 'r', title: 'T', source: 'S', authors: [], regions: [], tags: [], text: 'x', ingestedAt: NOW.toISOString() } as never;
    const card = actorsCard(report, {
      reportId: 'r',
      actors: [],
      engine: { engine: 'offline', version: 'a', note: 'no rules for this language (ja)' },
    } as never);
    expect(card.description).toBe('No actors were found in this report.\n\nNote: no rules for this language (ja)');
  });
});

describe('/sources add and list', () => {
  it('agree on the count right after adding, and say how many items wait for later polls', async () => {
    const added = await runIn(GUILD, 'sources', 'add', { url: `${site.url}/feed.xml` });
    const addedText = added.reply.cards![0]!.description!;
    const listed = await runIn(GUILD, 'sources', 'list', {});
    const listedText = listed.reply.cards![0]!.fields![0]!.value;
    const count = (text: string) => /(\d+) reports?/.exec(text)?.[1];
    expect(count(addedText)).toBeDefined();
    expect(count(listedText)).toBe(count(addedText));
    expect(feedStatus({ id: 'f', url: 'https://x.example/feed', itemCount: 200, pendingItems: 500 })).toMatch(/500 more items will arrive on the next polls\./);
  });
});
