import { randomUUID } from 'node:crypto';
import { type LocalRedis, startDedicatedRedis, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type IngressFixture,
  openIngressFixture,
  postTrigger,
  type TriggerAnswer,
} from './test-support/ingress-fixture.js';
import { QUEUE_BY_STATUS } from './trigger-route.js';

describe('Redis outage', () => {
  let fixture: IngressFixture;
  let redis: LocalRedis;

  beforeAll(async () => {
    [fixture, redis] = await Promise.all([openIngressFixture(), startDedicatedRedis()]);
  });

  afterAll(async () => {
    await fixture?.close();
    await redis?.dispose();
  });

  it('Redis stopped during a burst: every 202 ends up as exactly one queued job once it is back', async () => {
    // A short lease: a round that claimed entries just as Redis went away leaves them for the lease.
    const ingress = await fixture.start({
      REDIS_URL: redis.url,
      OUTBOX_DRAIN_INTERVAL_MS: '100',
      OUTBOX_LEASE_MS: '1000',
    });
    await waitFor(() => ingress.redis.status === 'ready', { what: 'the producer connection' });
    const tenant = await fixture.tenant();
    const statuses = ['new', 'closed', 'refund'] as const;
    const statusOf = (order: number) => statuses[order % 3]!;
    const total = 60;
    for (let order = 1; order <= total; order += 1) {
      if (statusOf(order) === 'refund') {
        await fixture.db.orderLinks.upsert(tenant.id, order, {
          state: 'exported',
          lifeposSaleId: randomUUID(),
        });
      }
    }

    const answers: TriggerAnswer[] = [];
    const orderOf = new Map<TriggerAnswer, number>();
    let outage: Promise<unknown> | undefined;
    let next = 1;
    const sender = async () => {
      while (next <= total) {
        const order = next;
        next += 1;
        if (order === 20) {
          outage = redis
            .stop()
            .then(() =>
              waitFor(() => ingress.redis.status !== 'ready', { what: 'the producer to notice it' }),
            );
        }
        // The last third of the burst arrives while Redis is certainly gone.
        if (order >= 40) await outage;
        const answer = await postTrigger(ingress, {
          client_id: tenant.lifeposOrgId,
          order_id: order,
          status: statusOf(order),
        });
        orderOf.set(answer, order);
        answers.push(answer);
      }
    };
    await Promise.all([sender(), sender(), sender(), sender()]);

    expect(answers.map((answer) => answer.status)).toEqual(Array(total).fill(202));
    const viaOutbox = answers.filter((answer) => answer.body.queued === 'outbox');
    expect(viaOutbox.length).toBeGreaterThanOrEqual(20);
    expect(answers.filter((answer) => answer.body.queued === 'queue').length).toBeGreaterThanOrEqual(15);
    expect(await fixture.db.outbox.count()).toBe(viaOutbox.length);
    // Still ready: the outbox keeps triggers coming in while Redis is away.
    expect((await fetch(`${ingress.url}/readyz`)).status).toBe(200);

    await redis.start();
    await waitFor(async () => (await fixture.db.outbox.count()) === 0, {
      what: 'the drainer to empty the outbox',
      timeoutMs: 20_000,
    });

    const jobs = await fixture.jobs(tenant.id, redis.url);
    expect(jobs.map((job) => String(job.id)).sort()).toEqual(
      answers.map((answer) => String(answer.body.jobId)).sort(),
    );
    const outboxJobIds = new Set(viaOutbox.map((answer) => answer.body.jobId));
    for (const job of jobs) {
      expect(job.data).toEqual({
        connectionId: tenant.id,
        orderId: expect.any(Number),
        source: expect.any(String),
      });
      expect(job.queueName).toBe(QUEUE_BY_STATUS[statusOf(job.data.orderId)]);
      // An add cut off by the outage may have reached Redis before its answer was lost; the trigger then
      // also went to the outbox under the same job id, and the drain added nothing: one job either way.
      if (!outboxJobIds.has(job.id)) expect(job.data.source).toBe('trigger');
    }
    // Every trigger is in its order's timeline, outbox ones too (written after the answer).
    const timelines = () =>
      Promise.all(Array.from({ length: total }, (_, i) => fixture.db.orderEvents.list(tenant.id, i + 1)));
    await waitFor(async () => (await timelines()).every((events) => events.length > 0), {
      what: 'every timeline entry',
    });
    // Once each; a trigger whose append reached the stream before its answer was lost shows both what
    // stored it: the outbox line and its forwarder's line.
    const viaOutboxOrders = new Set(viaOutbox.map((answer) => orderOf.get(answer)));
    for (const [i, events] of (await timelines()).entries()) {
      const types = events.map((event) => event.type);
      const expected = viaOutboxOrders.has(i + 1) && types.length === 2 ? 2 : 1;
      expect(types).toEqual(Array(expected).fill('trigger.received'));
    }
  });
});

describe('PostgreSQL down, Redis up', () => {
  let fixture: IngressFixture;

  beforeAll(async () => {
    fixture = await openIngressFixture();
  });

  afterAll(() => fixture?.close());

  it('keeps answering 202 for known connections past the cache TTL, at once, and says postgres is down', async () => {
    const ingress = await fixture.start({ INGRESS_CONNECTION_CACHE_MS: '200' });
    await waitFor(() => ingress.redis.status === 'ready', { what: 'the producer connection' });
    const known = await fixture.tenant();
    const other = await fixture.tenant();
    const first = await postTrigger(ingress, { client_id: known.lifeposOrgId, order_id: 1, status: 'new' });
    expect(first.status).toBe(202);
    await fixture.db.orderLinks.upsert(known.id, 2, { state: 'exported', lifeposSaleId: randomUUID() });

    // The database is gone (as far as the ingress can tell): its queries fail.
    await fixture.database.drop();
    const answers: TriggerAnswer[] = [];
    const started = Date.now();
    for (const [order, status] of [
      [3, 'new'],
      [2, 'refund'],
      [4, 'closed'],
    ] as const) {
      // Each past the cache's TTL, so each needs the refresh that fails.
      await new Promise((resolve) => setTimeout(resolve, 250));
      answers.push(await postTrigger(ingress, { client_id: known.lifeposOrgId, order_id: order, status }));
    }
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
    expect(Date.now() - started).toBeLessThan(3 * 250 + 3 * 1_000);
    const jobs = await fixture.jobs(known.id);
    expect(jobs.map((job) => String(job.id)).sort()).toEqual(
      [first, ...answers].map((answer) => String(answer.body.jobId)).sort(),
    );

    // A connection never looked up cannot be told from a made-up one without the database.
    const unknown = await postTrigger(ingress, { client_id: other.lifeposOrgId, order_id: 5, status: 'new' });
    expect(unknown.status).toBe(503);

    const ready = await fetch(`${ingress.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { down: string[] }).down).toEqual(['postgres']);
  });
});

describe('Redis and the database down', () => {
  let fixture: IngressFixture;
  let redis: LocalRedis;

  beforeAll(async () => {
    [fixture, redis] = await Promise.all([openIngressFixture(), startDedicatedRedis()]);
  });

  afterAll(async () => {
    await fixture?.close();
    await redis?.dispose();
  });

  it('answers 503 and enqueues nothing', async () => {
    // A long cache: the tenant is still known when the database is gone, so the outbox write is what fails.
    const ingress = await fixture.start({ REDIS_URL: redis.url, INGRESS_CONNECTION_CACHE_MS: '60000' });
    await waitFor(() => ingress.redis.status === 'ready', { what: 'the producer connection' });
    const known = await fixture.tenant();
    const other = await fixture.tenant();
    const first = await postTrigger(ingress, { client_id: known.lifeposOrgId, order_id: 1, status: 'new' });
    expect(first.status).toBe(202);

    await redis.stop();
    await waitFor(() => ingress.redis.status !== 'ready', { what: 'the producer to notice the outage' });
    await fixture.database.drop();

    const cached = await postTrigger(ingress, {
      client_id: known.lifeposOrgId,
      order_id: 2,
      status: 'closed',
    });
    expect(cached.status).toBe(503);
    expect(cached.body.error?.code).toBe('unavailable');
    expect(cached.headers.get('retry-after')).toBe('5');
    const uncached = await postTrigger(ingress, {
      client_id: other.lifeposOrgId,
      order_id: 3,
      status: 'new',
    });
    expect(uncached.status).toBe(503);
    expect((await fetch(`${ingress.url}/readyz`)).status).toBe(503);

    await redis.start();
    await waitFor(() => ingress.redis.status === 'ready', {
      what: 'the producer to reconnect',
      timeoutMs: 15_000,
    });
    const jobs = await fixture.jobs(undefined, redis.url);
    expect(jobs.map((job) => job.id)).toEqual([first.body.jobId]);
  });
});
