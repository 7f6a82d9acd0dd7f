/**
 * sendParts with thread targets, against a scripted transport: a resume continues in the thread the
 * record names, adopts a forum post whose request was in flight instead of opening another, and never
 * crossposts a message twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryLedger, type Lease } from '../../src/briefings/delivery-ledger.ts';
import { sendParts, type PostTarget } from '../../src/briefings/deliver.ts';
import type { BriefingTransport, OpenThreadRequest } from '../../src/briefings/transport.ts';
import { ManualClock, silentLogger, tempStore } from './support/harness.ts';

const policy = { attempts: 1, retryBaseMs: 1 };
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

class ScriptedTransport implements BriefingTransport<string> {
  readonly name = 'scripted';
  readonly sends: Array<{ channelId: string; message: string; nonce?: string }> = [];
  readonly opens: OpenThreadRequest[] = [];
  readonly crossposts: string[] = [];
  found: { threadId: string; firstMessageId?: string } | undefined;
  private next = 100;
  renderBriefing(): string[] {
    return [];
  }
  async send(channelId: string, message: string, options?: { nonce?: string }) {
    this.sends.push({ channelId, message, nonce: options?.nonce });
    return { messageId: `m${this.next++}` };
  }
  async openThread(request: OpenThreadRequest) {
    this.opens.push(request);
    return request.kind === 'from-message' ? { threadId: request.messageId } : { threadId: `t${this.next}`, firstMessageId: `t${this.next++}` };
  }
  async findThread() {
    return this.found;
  }
  async crosspost(_channelId: string, messageId: string) {
    this.crossposts.push(messageId);
  }
}

async function lease(key: string): Promise<{ lease: Lease; ledger: DeliveryLedger }> {
  const clock = new ManualClock(new Date('2026-12-01T07:00:00Z'));
  const { store, cleanup } = await tempStore(clock);
  cleanups.push(cleanup);
  const ledger = new DeliveryLedger({ store, clock, logger: silentLogger, leaseMs: 60_000 });
  const acquired = await ledger.acquire(key, () => ({
    subscriptionId: 's',
    occurrence: '2026-12-01T07:00:00.000Z',
    composedAt: '',
    reportIds: [],
    parts: 0,
    sent: [],
    done: false,
  }));
  if (!acquired.won) throw new Error('not won');
  return { lease: acquired.lease, ledger };
}

const target = (kind: PostTarget['kind']): PostTarget => ({
  kind,
  guildId: 'g',
  channelId: 'c',
  threadName: 'Sitrep briefing — 1 December',
  tagNames: ['Belarus'],
});

describe('sendParts with thread targets', () => {
  it('new-thread: part 1 goes into the thread started on part 0, recorded before it is sent', async () => {
    const { lease: l } = await lease('delivery:a');
    const transport = new ScriptedTransport();
    const { unrecorded } = await sendParts(l, ['p0', 'p1', 'p2'], transport, target('new-thread'), policy);
    await l.update(unrecorded);
    expect(transport.sends.map((s) => s.channelId)).toEqual(['c', 'm100', 'm100']);
    expect(transport.opens).toEqual([{ kind: 'from-message', guildId: 'g', channelId: 'c', messageId: 'm100', name: 'Sitrep briefing — 1 December' }]);
    expect(l.record.thread?.id).toBe('m100');
    expect(l.record.sent).toEqual(['m100', 'm101', 'm102']);
  });

  it('new-thread resume: continues in the recorded thread, opening none', async () => {
    const { lease: l } = await lease('delivery:b');
    await l.update((r) => {
      r.parts = 3;
      r.sent = ['x0', 'x1'];
      r.thread = { id: 'x0', name: 'n' };
    });
    const transport = new ScriptedTransport();
    await sendParts(l, ['p0', 'p1', 'p2'], transport, target('new-thread'), policy);
    expect(transport.opens).toEqual([]);
    expect(transport.sends).toEqual([expect.objectContaining({ channelId: 'x0', message: 'p2' })]);
  });

  it('forum resume: a post whose request was in flight is adopted, not opened again', async () => {
    const { lease: l } = await lease('delivery:c');
    await l.update((r) => {
      r.parts = 2;
      r.sending = { part: 0, nonce: 'n', at: '' };
      r.opening = { name: 'Sitrep briefing — 1 December', at: '' };
    });
    const transport = new ScriptedTransport();
    transport.found = { threadId: 'post1', firstMessageId: 'post1' };
    const { unrecorded } = await sendParts(l, ['p0', 'p1'], transport, target('forum'), policy);
    await l.update(unrecorded);
    expect(transport.opens).toEqual([]);
    expect(transport.sends).toEqual([expect.objectContaining({ channelId: 'post1', message: 'p1' })]);
    expect(l.record.thread).toEqual({ id: 'post1', name: 'Sitrep briefing — 1 December' });
    expect(l.record.opening).toBeUndefined();
    expect(l.record.sent).toEqual(['post1', 'm100']);
  });

  it('forum: opens the post with the first part and its tag names when nothing was in flight', async () => {
    const { lease: l } = await lease('delivery:d');
    const transport = new ScriptedTransport();
    transport.found = { threadId: 'stale' }; // not consulted: no `opening` was recorded
    await sendParts(l, ['p0', 'p1'], transport, target('forum'), policy);
    expect(transport.opens).toEqual([expect.objectContaining({ kind: 'forum', channelId: 'c', message: 'p0', tagNames: ['Belarus'] })]);
    expect(transport.sends.map((s) => s.channelId)).toEqual(['t100']);
  });

  it('announcement resume: crossposts only what is not recorded as crossposted, each once', async () => {
    const { lease: l } = await lease('delivery:e');
    await l.update((r) => {
      r.parts = 3;
      r.sent = ['a0', 'a1'];
      r.crossposted = ['a0'];
    });
    const transport = new ScriptedTransport();
    const { unrecorded } = await sendParts(l, ['p0', 'p1', 'p2'], transport, target('announcement'), policy);
    await l.update(unrecorded);
    expect(transport.crossposts).toEqual(['a1', 'm100']);
    expect(l.record.crossposted).toEqual(['a0', 'a1', 'm100']);
  });
});
