import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runLocalMode, redactUrl } from '../../src/terminal/local.ts';
import { makeApp, type TestApp } from '../commands/helpers.ts';

const SEED_TITLE = 'China’s defence cooperation with Russia and Belarus';
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function harness() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const waitFor = (needle: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no “${needle}” in:\n${text}`)), 20_000);
      const check = () => {
        if (text.includes(needle)) {
          clearTimeout(timer);
          output.off('data', check);
          resolve();
        }
      };
      output.on('data', check);
      setImmediate(check);
    });
  return { input, output, waitFor, text: () => text };
}

describe('runLocalMode', () => {
  it('prints status, latest reports and today’s briefing, then runs typed commands until stopped', async () => {
    t = await makeApp();
    const io = harness();
    const stop = new AbortController();
    const running = runLocalMode(t.app, { input: io.input, output: io.output, interactive: false, signal: stop.signal });
    await io.waitFor('Type a command');
    const start = io.text();
    expect(start).toContain('Sitrep — local mode');
    expect(start).toMatch(/Library: +1 report/);
    expect(start).toMatch(/Engine: +offline/);
    expect(start).toContain(`Latest reports:\n  • ${SEED_TITLE}`);
    // Today's briefing follows the list of reports.
    expect(start.indexOf('Sitrep briefing')).toBeGreaterThan(start.indexOf('Latest reports:'));

    io.input.write('/summarise report:specialeurasia-china-russia-belarus-defence-2023 length:brief\n');
    await io.waitFor('Engine: offline');
    io.input.write('/report latest count:0\n');
    await io.waitFor('Error: Option "count" must be between 1 and 10 (got 0)');
    // Input ending does not stop a non-interactive session; the signal does.
    io.input.end();
    await new Promise((r) => setTimeout(r, 200));
    let done = false;
    void running.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    stop.abort();
    await running;
  });

  it('at an interactive prompt, a command’s own posts and its reply come before the next prompt', async () => {
    t = await makeApp();
    const io = harness();
    const running = runLocalMode(t.app, { input: io.input, output: io.output, interactive: true });
    await io.waitFor('Type a command');
    io.input.write('/briefing subscribe channel:terminal time:07:30 timezone:Europe/Rome empty:notice\r');
    await io.waitFor('Briefing scheduled');
    const before = io.text().length;
    io.input.write('/briefing send-now channel:terminal\r');
    await io.waitFor('Posted the briefing');
    await io.waitFor('sitrep> ');
    const after = io.text().slice(before);
    const posted = after.indexOf('briefing for #terminal');
    const reply = after.indexOf('Posted the briefing');
    expect(posted).toBeGreaterThan(-1);
    expect(reply).toBeGreaterThan(posted);
    // No prompt is drawn between the briefing and the reply to the command that posted it.
    expect(after.slice(posted, reply)).not.toContain('sitrep> ');
    io.input.write('exit\r');
    await running;
  });

  it('says when the briefs folder does not exist', async () => {
    t = await makeApp({ env: { BRIEFS_DIR: '/nonexistent/sitrep-briefs' } });
    const io = harness();
    const running = runLocalMode(t.app, { input: io.input, output: io.output, interactive: false });
    await io.waitFor('Type a command');
    expect(io.text()).toMatch(/Library: +0 reports \(no briefs folder at \/nonexistent\/sitrep-briefs\)/);
    io.input.write('exit\n');
    await running;
  });

  it('stops on exit', async () => {
    t = await makeApp();
    const io = harness();
    const running = runLocalMode(t.app, { input: io.input, output: io.output, interactive: false });
    await io.waitFor('Type a command');
    io.input.write('exit\n');
    await running;
  });

  it('schedules only its own briefings when the store also holds Discord subscriptions', async () => {
    t = await makeApp();
    await t.app.subscriptions.subscribe({ guildId: '100000000000000001', channelId: '200000000000000001', time: '08:00', timezone: 'UTC', createdBy: 'x' });
    await t.app.subscriptions.subscribe({ guildId: 'local', channelId: 'terminal', time: '09:00', timezone: 'UTC', createdBy: 'me' });
    const io = harness();
    const stop = new AbortController();
    const running = runLocalMode(t.app, { input: io.input, output: io.output, interactive: false, signal: stop.signal });
    await io.waitFor('Type a command');
    await vi.waitFor(() => expect(t!.app.briefings.indexedCount).toBe(1));
    expect(t.app.briefings.nextDueAt?.toISOString()).toMatch(/T09:00:00\.000Z$/);
    stop.abort();
    await running;
  });
});

describe('redactUrl', () => {
  it('hides passwords in store URLs', () => {
    expect(redactUrl('redis://user:secret@db:6379')).toBe('redis://user:***@db:6379');
    expect(redactUrl('sqlite://./data/sitrep.sqlite')).toBe('sqlite://./data/sitrep.sqlite');
  });
});
