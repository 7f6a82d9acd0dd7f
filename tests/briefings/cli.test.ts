import { Command } from 'commander';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { BriefingService } from '../../src/briefings/service.ts';
import { SubscriptionService } from '../../src/briefings/subscriptions.ts';
import { registerBrief } from '../../src/cli/brief.ts';
import { FakeAnalysis, ManualClock, MemoryReports, makeReport, silentLogger, tempStore, testConfig } from './support/harness.ts';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => cleanup?.());

async function run(args: string[]) {
  const env = await tempStore();
  const clock = new ManualClock(new Date('2026-11-27T12:00:00Z'));
  const subscriptions = new SubscriptionService({ store: env.store, clock });
  const reports = new MemoryReports();
  reports.add(
    makeReport('fresh', { title: 'Fresh on Taiwan', text: 'Taiwan strait.', ingestedAt: '2026-11-27T08:00:00Z', actors: ['China'] }),
    makeReport('older', { title: 'Older on Sahel', text: 'Mali.', ingestedAt: '2026-11-20T08:00:00Z', actors: ['Mali'] }),
  );
  const briefings = new BriefingService({
    config: testConfig(),
    logger: silentLogger,
    clock,
    store: env.store,
    reports,
    analysis: new FakeAnalysis(),
    subscriptions,
  });
  cleanup = async () => {
    briefings.stop();
    await env.cleanup();
  };
  await subscriptions.subscribe({ guildId: 'g1', channelId: 'c1', time: '07:30', timezone: 'UTC', createdBy: 'me' });
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const program = new Command().exitOverride();
  const config = testConfig({ BRIEFS_DIR: join(env.dir, 'no-briefs') });
  registerBrief(program, {
    openApp: async () => ({ config, logger: silentLogger, ingest: {}, subscriptions, briefings }) as unknown as App,
    out,
    err: new PassThrough(),
  });
  await program.parseAsync(['node', 'sitrep', 'brief', ...args]);
  return text;
}

describe('sitrep brief', () => {
  it("prints today's briefing as text", async () => {
    const text = await run(['--timezone', 'Europe/Rome']);
    expect(text).toContain('Sitrep briefing — Friday 27 November 2026');
    expect(text).toContain('Fresh on Taiwan');
    expect(text).not.toContain('Older on Sahel');
  });

  it('prints JSON, with --since and filters', async () => {
    const json = JSON.parse(await run(['--json', '--since', '2026-11-01', '--actors', 'mali']));
    expect(json.items.map((i: { id: string }) => i.id)).toEqual(['older']);
    expect(json.items[0].summary).toBe('Summary of Older on Sahel.');
    expect(json.items[0].actors[0].name).toBe('Mali');
  });

  it('previews a subscription, and explains bad input', async () => {
    const preview = JSON.parse(await run(['--json', '--subscription', 'g1:c1', '--since', '2026-11-27T00:00:00Z']));
    expect(preview.items.map((i: { id: string }) => i.id)).toEqual(['fresh']);
    await expect(run(['--subscription', 'g1:nope'])).rejects.toThrow(/No briefing subscription for channel nope/);
    await expect(run(['--since', 'yesterday'])).rejects.toThrow(/--since must be an ISO 8601/);
  });
});
