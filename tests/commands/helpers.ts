import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import type { Clock } from '../../src/core/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { createStore } from '../../src/store/index.ts';
import { ingestBriefs } from '../../src/reports/ingest.ts';
import type { ChannelAccess, CommandModule, Platform } from '../../src/core/command.ts';
import { autocomplete, execute, prepare, type Invocation } from '../../src/core/dispatch.ts';
import { createRegistry } from '../../src/core/registry.ts';
import type { BriefingTransport } from '../../src/briefings/transport.ts';
import type { Briefing } from '../../src/briefings/types.ts';

export const NOW = new Date('2026-11-27T08:00:00Z');
export const GUILD = '100000000000000001';
export const OTHER_GUILD = '100000000000000002';
export const CHANNEL = { id: '200000000000000001', name: 'briefings', guildId: GUILD };
export const CHANNEL_NO_PERMS = { id: '200000000000000002', name: 'locked', guildId: GUILD };
export const OTHER_GUILD_CHANNEL = { id: '200000000000000009', name: 'elsewhere', guildId: OTHER_GUILD };
export const SEED_ID = 'specialeurasia-china-russia-belarus-defence-2023';
export const FIXTURES = resolve(import.meta.dirname, 'fixtures');

export interface TestApp {
  app: App;
  dir: string;
  clock: Clock & { set(date: Date): void };
  close(): Promise<void>;
}

/** A real App on a temp SQLite file with the bundled briefs (and optionally our fixtures) ingested. */
export async function makeApp(options: { fixtures?: boolean; env?: Record<string, string> } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'sitrep-commands-'));
  let now = NOW;
  const clock = { now: () => now, set: (date: Date) => void (now = date) };
  const config = loadConfig({
    STORE_URL: `sqlite://${join(dir, 'sitrep.sqlite')}`,
    BRIEFS_DIR: resolve('briefs'),
    LOG_LEVEL: 'silent',
    FETCH_ALLOW_PRIVATE: 'true',
    ...options.env,
  });
  const store = await createStore(config.STORE_URL);
  const app = await createApp(config, { store, clock });
  await ingestBriefs(app.ingest, config.BRIEFS_DIR, app.logger);
  if (options.fixtures) await ingestBriefs(app.ingest, FIXTURES, app.logger);
  return {
    app,
    dir,
    clock,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Records what a transport was asked to post. */
export class RecordingTransport implements BriefingTransport<Briefing> {
  readonly name = 'recording';
  readonly sent: Array<{ channelId: string; message: Briefing }> = [];
  renderBriefing(briefing: Briefing): Briefing[] {
    return [briefing];
  }
  async send(channelId: string, message: Briefing) {
    this.sent.push({ channelId, message });
    return { messageId: `m${this.sent.length}` };
  }
}

/** A Platform as the Discord side would provide it: a plain object, with per-channel permission answers. */
export function fakePlatform(
  access: Record<string, ChannelAccess> = {},
  briefings: BriefingTransport | undefined = new RecordingTransport(),
): Platform & {
  checked: Array<{ guildId: string; channelId: string }>;
} {
  const checked: Array<{ guildId: string; channelId: string }> = [];
  return {
    name: 'discord',
    briefings,
    checked,
    channelMention: (channel) => `<#${channel.id}>`,
    async channelAccess(guildId, channelId) {
      checked.push({ guildId, channelId });
      return access[channelId] ?? { ok: true, missing: [] };
    },
  };
}

export const moderator = { id: '300000000000000001', name: 'mod', isModerator: true };
export const member = { id: '300000000000000002', name: 'member', isModerator: false };

export type TestInvocation = Omit<Invocation, 'command'>;

export function input(subcommand: string | undefined, options: Invocation['options'] = {}, overrides: Partial<TestInvocation> = {}): TestInvocation {
  return { subcommand, options, invoker: moderator, guildId: GUILD, channelId: CHANNEL.id, ...overrides };
}

/** Runs a command through the dispatcher's checks (preconditions, option validation), throwing what it throws. */
export async function run(command: CommandModule, app: App, invocation: TestInvocation, platform: Platform = fakePlatform()) {
  return execute(createRegistry([command]), { ...invocation, command: command.data.name }, { services: app, platform });
}

/** The autocomplete of a command's (sub)command handler, through the dispatcher's lookup. */
export async function complete(command: CommandModule, app: App, request: { subcommand?: string; focused: { name: string; value: string }; guildId?: string }) {
  return autocomplete(createRegistry([command]), command.data.name, { options: {}, guildId: GUILD, ...request }, { services: app, platform: fakePlatform() });
}

/** How the dispatcher would defer this invocation: 'public', 'ephemeral' or undefined. */
export function deferral(command: CommandModule, app: App, invocation: TestInvocation) {
  const { handler, input } = prepare(createRegistry([command]), { ...invocation, command: command.data.name });
  const ctx = { services: app, platform: fakePlatform() };
  return typeof handler.defer === 'function' ? handler.defer(input, ctx) : handler.defer;
}
