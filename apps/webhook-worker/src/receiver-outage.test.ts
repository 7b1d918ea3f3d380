import { randomBytes } from 'node:crypto';
import { type LocalRedis, startDedicatedRedis, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startWebhookFixture, type WebhookFixture } from './test-support/webhook-fixture.js';

// A Redis of this file's own, to stop and start.
let redis: LocalRedis;
let fx: WebhookFixture;

beforeAll(async () => {
  redis = await startDedicatedRedis();
  fx = await startWebhookFixture({ redisUrl: redis.url });
});

afterAll(async () => {
  await fx?.close();
  await redis?.dispose();
});

describe('receiver during a Redis outage', () => {
  it('answers 503 at once, so that LIFE POS retries, and takes notifications again when Redis is back', async () => {
    const t = await fx.seed({ subscribe: false });
    const url = `${fx.url}/lifepos/notifications/${t.connection.notificationToken}`;
    const send = () =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type_of: 'Sale', guid: randomBytes(16).toString('hex') }),
      });

    await redis.stop();
    await waitFor(() => fx.worker.receiverRedis.status !== 'ready', {
      what: 'the receiver to see the outage',
    });
    const started = Date.now();
    const refused = await send();
    const tookMs = Date.now() - started;

    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: { code: 'unavailable' } });
    // Fail fast: not held until Redis comes back (the workers' connection would wait forever).
    expect(tookMs).toBeLessThan(5_000);
    expect((await fetch(`${fx.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${fx.url}/readyz`)).status).toBe(503);

    await redis.start();
    await waitFor(() => fx.worker.receiverRedis.status === 'ready', {
      timeoutMs: 15_000,
      what: 'the receiver connection back',
    });
    const accepted = await send();
    expect(accepted.status).toBe(200);
    const { notificationId } = (await accepted.json()) as { notificationId: string };
    await waitFor(async () => (await fx.worker.deps.db.notifications.get(notificationId))?.processedAt, {
      timeoutMs: 15_000,
      what: 'the notification handled after the outage',
    });
  });
});
