import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationCommandOptionType as T, type APIButtonComponent, type APIStringSelectComponent } from 'discord-api-types/v10';
import { decodeActionId, encodeActionId, EXPIRED_ACTION_MESSAGE } from '../../src/core/actions.ts';
import { defineCommandGroup, defineSubcommand } from '../../src/core/command.ts';
import { dispatchAction } from '../../src/core/dispatch.ts';
import { createRegistry, loadRegistry } from '../../src/core/registry.ts';
import { actionRow, renderReply, toRestBody } from '../../src/discord/render.ts';
import type { CommandRegistry } from '../../src/core/registry.ts';
import { fakePlatform, GUILD, makeApp, member, moderator, SEED_ID, type TestApp } from './helpers.ts';

let t: TestApp;
let registry: CommandRegistry;
beforeAll(async () => {
  t = await makeApp({ fixtures: true });
  registry = await loadRegistry();
});
afterAll(async () => t?.close());

const press = (id: string, invoker = member, guildId: string | undefined = GUILD) =>
  dispatchAction(registry, id, { invoker, guildId, channelId: 'c' }, { services: t.app, platform: fakePlatform() });

const labelOf = (component: APIButtonComponent | APIStringSelectComponent) => ('label' in component ? component.label : undefined);

/** The custom ids of a reply's buttons, as Discord would receive them. */
function buttonIds(reply: Parameters<typeof renderReply>[0]): string[] {
  return renderReply(reply)
    .flatMap((m) => m.components ?? [])
    .flatMap((row) => row.components)
    .flatMap((b) => ('custom_id' in b ? [b.custom_id] : []));
}

describe('action ids', () => {
  it('are versioned, stateless and within 100 characters', () => {
    const id = encodeActionId({ action: 'report-search-page', args: ['2', 'china: belarus'] })!;
    expect(id).toBe('v1:report-search-page:2:china%3A%20belarus');
    expect(decodeActionId(id)).toEqual({ action: 'report-search-page', args: ['2', 'china: belarus'] });
    expect(encodeActionId({ action: 'summary', args: ['x'.repeat(100)] })).toBeUndefined();
    expect(decodeActionId('v0:summary:x')).toBeUndefined();
    expect(decodeActionId('not ours')).toBeUndefined();
  });
});

describe('report card buttons', () => {
  it('Summary and Key actors answer privately through the same commands; the original is a link button', async () => {
    const [show] = renderReply((await press(encodeActionId({ action: 'summary', args: [SEED_ID] })!)).reply);
    expect(show!.ephemeral).toBe(true);
    expect(show!.embeds[0]!.title).toMatch(/^Summary: China’s defence cooperation/);

    const latest = await registry
      .get('report')!
      .subcommands!.latest!.execute(
        { subcommand: 'latest', args: { count: 1 }, invoker: member, guildId: GUILD },
        { services: t.app, platform: fakePlatform() },
      );
    const [row] = renderReply(latest).flatMap((m) => m.components ?? []);
    expect(row!.components.map(labelOf)).toEqual(['Summary', 'Key actors', 'Original']);
    const actorsId = (row!.components[1] as { custom_id: string }).custom_id;
    const actors = await press(actorsId);
    expect(actors).toMatchObject({ status: 'ok', update: false, reply: { ephemeral: true } });
    expect(actors.reply.cards![0]!.title).toMatch(/^Key actors: /);
    expect(row!.components[2]).toMatchObject({ style: 5, url: expect.stringMatching(/^https:\/\//) });
  });

  it('answers an unknown or expired id, or one whose report is gone, clearly and privately', async () => {
    for (const id of ['v0:summary:x', 'garbage', 'v1:no-such-action:1', 'v1:summary']) {
      expect((await press(id)).reply).toEqual({ content: EXPIRED_ACTION_MESSAGE, ephemeral: true });
    }
    const gone = await press(encodeActionId({ action: 'summary', args: ['deleted-report-id'] })!);
    expect(gone.reply.ephemeral).toBe(true);
    expect(gone.reply.content).toMatch(/^Report not found/);
  });
});

describe('Previous / Next pages', () => {
  it('/report latest pages with buttons that replace the message', async () => {
    const first = await press(encodeActionId({ action: 'report-latest-page', args: ['1', '1', ''] })!);
    expect(first.update).toBe(true);
    const ids = buttonIds(first.reply);
    const next = ids.find((id) => decodeActionId(id)?.action === 'report-latest-page')!;
    expect(decodeActionId(next)!.args).toEqual(['2', '1', '']);
    const second = await press(next);
    expect(second.update).toBe(true);
    expect(second.reply.content).toBe('1 latest report (page 2):');
    expect(second.reply.cards![0]!.title).not.toBe(first.reply.cards![0]!.title);
    const labels = renderReply(second.reply)
      .flatMap((m) => m.components ?? [])
      .at(-1)!
      .components.map(labelOf);
    expect(labels).toEqual(['◀ Previous', 'Next ▶']);
    const past = await press(encodeActionId({ action: 'report-latest-page', args: ['9', '1', ''] })!);
    expect(past.reply).toMatchObject({ content: 'There is no page 9: the library has 3 reports.', ephemeral: true });
  });
});

describe('actions obey the preconditions of the command they run', () => {
  it('a moderator-only action refuses members and direct messages', async () => {
    const guarded = defineCommandGroup({
      data: { name: 'guarded', description: 'g' },
      subcommands: [
        defineSubcommand({ data: { type: T.Subcommand, name: 'do', description: 'd' }, moderator: true, execute: async () => ({ content: 'done' }) }),
      ],
      actions: { 'guarded-do': () => ({ subcommand: 'do', options: {} }) },
    });
    const own = createRegistry([guarded]);
    const id = encodeActionId({ action: 'guarded-do', args: [] })!;
    const run = (invoker: typeof member, guildId?: string) => dispatchAction(own, id, { invoker, guildId }, { services: t.app, platform: fakePlatform() });
    expect((await run(member, GUILD)).reply.content).toMatch(/is for moderators/);
    expect((await run(moderator, undefined)).reply.content).toMatch(/only works inside a server/);
    expect((await run(moderator, GUILD)).reply).toEqual({ content: 'done', ephemeral: true });
    expect(() => createRegistry([guarded, { ...guarded, data: { ...guarded.data, name: 'other' } }])).toThrow(/Duplicate action "guarded-do"/);
  });
});

describe('buttons in Discord payloads', () => {
  it('stay within Discord’s limits: 5 rows, 5 buttons, 80-character labels, 100-character ids', () => {
    const action = (i: number) => ({ kind: 'action' as const, label: `Label ${'x'.repeat(100)} ${i}`, action: 'summary', args: [`r${i}`] });
    const cards = Array.from({ length: 9 }, (_, i) => ({ title: `Card ${i}`, actions: Array.from({ length: 7 }, (_, j) => action(j)) }));
    const messages = renderReply({ cards, actions: [{ kind: 'action', label: 'Next ▶', action: 'report-latest-page', args: ['2', '5', ''] }] });
    for (const message of messages) {
      expect((message.components ?? []).length).toBeLessThanOrEqual(5);
      for (const row of message.components ?? []) {
        expect(row.components.length).toBeLessThanOrEqual(5);
        for (const b of row.components) {
          expect(labelOf(b)!.length).toBeLessThanOrEqual(80);
          if ('custom_id' in b) expect(b.custom_id.length).toBeLessThanOrEqual(100);
        }
      }
    }
    // The reply's own row (pagination) is never crowded out by card rows.
    expect(labelOf(messages.at(-1)!.components!.at(-1)!.components[0]!)).toBe('Next ▶');
    expect(toRestBody(messages[0]!).components).toEqual(messages[0]!.components);
    expect(actionRow([{ kind: 'link', label: 'x', url: 'javascript:alert(1)' }])).toBeUndefined();
  });
});
