import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { checkHealth, startOpsServer, type OpsServer } from '../../src/ops/server.ts';
import { metrics, registry } from '../../src/ops/metrics.ts';

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('/healthz and /metrics', () => {
  it('is ready only when every probe is, with each check in the body', async () => {
    let storeWritable = true;
    server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      logger: pino({ level: 'silent' }),
      probes: { store: () => storeWritable, scheduler: async () => ({ ok: true, detail: 'bullmq' }), discord: () => true },
    });
    const base = `http://127.0.0.1:${server.port}`;
    const ready = await fetch(`${base}/healthz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { store: { ok: true }, scheduler: { ok: true, detail: 'bullmq' }, discord: { ok: true } } });
    storeWritable = false;
    const unready = await fetch(`${base}/healthz`);
    expect(unready.status).toBe(503);
    expect(((await unready.json()) as { checks: Record<string, unknown> }).checks.store).toEqual({ ok: false });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('serves the Prometheus registry with the fleet metrics', async () => {
    metrics.briefingsDelivered.inc();
    metrics.claims.inc({ outcome: 'taken_over' });
    server = await startOpsServer({ port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }), probes: {} });
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    const text = await res.text();
    expect(text).toMatch(/^sitrep_briefings_delivered_total [1-9]/m);
    expect(text).toMatch(/^sitrep_claims_total\{outcome="taken_over"\} [1-9]/m);
    for (const name of [
      'sitrep_discord_rate_limited_total',
      'sitrep_queue_depth',
      'sitrep_feed_polls_total',
      'sitrep_feed_fetches_total',
      'sitrep_model_calls_total',
      'sitrep_library_lag',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it('counts a probe that throws or hangs as not ready', async () => {
    const report = await checkHealth({
      broken: () => {
        throw new Error('no database');
      },
      fine: () => true,
    });
    expect(report).toEqual({ ok: false, checks: { broken: { ok: false, detail: 'no database' }, fine: { ok: true } } });
    expect((await checkHealth({})).ok).toBe(false);
  });
});
