import { randomUUID } from 'node:crypto';
import { createWorkerRedis, DEFAULT_JITTER_GUARD_MS, PACE_SLACK } from '@connector/queue';
import { testRedisUrl, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Worker } from 'bullmq';
import type { RunningIngress } from './ingress-app.js';
import { type IngressFixture, openIngressFixture, postTrigger } from './test-support/ingress-fixture.js';

let fixture: IngressFixture;
let ingress: RunningIngress;
const CACHE_MS = 300;

beforeAll(async () => {
  fixture = await openIngressFixture();
  ingress = await fixture.start({ INGRESS_CONNECTION_CACHE_MS: String(CACHE_MS) });
});

afterAll(() => fixture?.close());

let nextOrderId = 1000;
const orderId = () => (nextOrderId += 1);

/** The `trigger.received` timeline data of the orders, once every stored trigger was forwarded. */
async function receivedData(connectionId: string, orders: readonly number[]) {
  await fixture.forwarded();
  const events = await Promise.all(orders.map((order) => fixture.db.orderEvents.list(connectionId, order)));
  return events
    .flat()
    .filter((event) => event.type === 'trigger.received')
    .map((event) => event.data as { jobId?: string; deduplicated?: boolean });
}

describe('POST /retailCRM/update', () => {
  it('accepts a new-order trigger: 202, one order-export job with ids only, a timeline entry and a receipt', async () => {
    const tenant = await fixture.tenant();
    const order = orderId();
    const sent = new Date();
    const started = performance.now();
    const answer = await postTrigger(ingress, {
      client_id: tenant.lifeposOrgId,
      order_id: order,
      status: 'new',
    });
    const elapsedMs = performance.now() - started;

    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      accepted: true,
      jobId: expect.any(String),
      queued: 'queue',
    });
    // "within a few milliseconds": generous for a shared 2-core machine, far below any RetailCRM timeout.
    expect(elapsedMs).toBeLessThan(500);

    const jobs = await fixture.jobs(tenant.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.queueName).toBe('order-export');
    expect(jobs[0]?.id).toBe(answer.body.jobId);
    expect(jobs[0]?.data).toEqual({ connectionId: tenant.id, orderId: order, source: 'trigger' });
    expect(jobs[0]?.opts.attempts).toBe(8);

    // Written after the answer, best-effort.
    const timeline = await waitFor(
      async () => {
        const events = await fixture.db.orderEvents.list(tenant.id, order);
        return events.length > 0 ? events : undefined;
      },
      { what: 'the timeline entry' },
    );
    expect(timeline).toEqual([
      expect.objectContaining({
        type: 'trigger.received',
        data: {
          status: 'new',
          queue: 'order-export',
          jobId: answer.body.jobId,
          queued: 'queue',
          deduplicated: false,
        },
      }),
    ]);
    // The typed record reconciliation reads to tell an arrived trigger from a lost one.
    const receivedAt = await waitFor(
      () => fixture.db.orderMarks.lastTriggerReceived(tenant.id, order, 'new'),
      {
        what: 'the trigger receipt',
      },
    );
    expect(receivedAt.getTime()).toBeGreaterThanOrEqual(sent.getTime());
    expect(await fixture.db.orderMarks.lastTriggerReceived(tenant.id, order, 'closed')).toBeNull();
  });

  it('sends closed to order-cancel and refund (of an exported order) to order-refund', async () => {
    const tenant = await fixture.tenant();
    const order = orderId();
    await fixture.db.orderLinks.upsert(tenant.id, order, { state: 'exported', lifeposSaleId: randomUUID() });

    const closed = await postTrigger(ingress, {
      client_id: tenant.lifeposOrgId,
      order_id: order,
      status: 'closed',
    });
    const refund = await postTrigger(ingress, {
      client_id: tenant.lifeposOrgId,
      order_id: order,
      status: 'refund',
    });
    expect([closed.status, refund.status]).toEqual([202, 202]);

    const jobs = await fixture.jobs(tenant.id);
    expect(jobs.map((job) => [job.queueName, job.id]).sort()).toEqual(
      [
        ['order-cancel', closed.body.jobId],
        ['order-refund', refund.body.jobId],
      ].sort(),
    );
  });

  it('accepts a JSON body and matches the path in any case', async () => {
    const tenant = await fixture.tenant();
    const json = await postTrigger(
      ingress,
      { client_id: tenant.lifeposOrgId, order_id: orderId(), status: 'new' },
      { json: true },
    );
    const lowerCase = await postTrigger(
      ingress,
      { client_id: tenant.lifeposOrgId, order_id: orderId(), status: 'new' },
      { path: '/retailcrm/UPDATE' },
    );
    expect([json.status, lowerCase.status]).toEqual([202, 202]);
    expect(await fixture.jobs(tenant.id)).toHaveLength(2);
  });

  it('collapses identical triggers while the job waits: 5 triggers, 1 job', async () => {
    const tenant = await fixture.tenant();
    const body = { client_id: tenant.lifeposOrgId, order_id: orderId(), status: 'new' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => postTrigger(ingress, body)));

    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
    const jobs = await fixture.jobs(tenant.id);
    expect(jobs).toHaveLength(1);
    // One trigger made the job, the other four merged into it: the timeline says which.
    const received = await receivedData(tenant.id, [body.order_id]);
    expect(received).toHaveLength(5);
    expect(received.filter((data) => data.deduplicated === false)).toHaveLength(1);
    expect(new Set(received.map((data) => data.jobId))).toEqual(new Set([jobs[0]?.id]));
    expect(answers.map((answer) => answer.body.jobId)).toContain(jobs[0]?.id);
  });

  it('paces a shop’s export backlog by its rate limits, so another shop’s order is not behind it', async () => {
    // 2/s at RetailCRM: the shop's exports start (1 s + the limiter's guard) / 2 apart.
    const busy = await fixture.tenant({
      settings: { rateLimits: { retailcrmPerSecond: 2, lifeposPerSecond: 5 } },
    });
    const other = await fixture.tenant();
    const post = (tenant: { lifeposOrgId: string }, order: number) =>
      postTrigger(ingress, { client_id: tenant.lifeposOrgId, order_id: order, status: 'new' });
    for (let i = 0; i < 6; i += 1) expect((await post(busy, orderId())).status).toBe(202);
    expect((await post(other, orderId())).status).toBe(202);

    // In slot order: two jobs added within the same millisecond have the same timestamp.
    const slotOf = (job: { timestamp: number; opts: { delay?: number } }) =>
      job.timestamp + (job.opts.delay ?? 0);
    const jobs = (await fixture.jobs(busy.id)).sort((a, b) => slotOf(a) - slotOf(b));
    expect(jobs).toHaveLength(6);
    expect(jobs[0]?.opts.delay ?? 0).toBe(0);
    // Slot i starts i intervals after the first: 500 ms per export at 2/s, 1 % slack, stretched by the
    // guard (the default one: nothing measured in this prefix). Added at `timestamp`, a job waits the rest.
    const interval = 500 * PACE_SLACK * (1 + DEFAULT_JITTER_GUARD_MS / 1000);
    for (const [i, job] of jobs.entries()) {
      const slotStart = slotOf(job) - jobs[0]!.timestamp;
      expect(slotStart).toBeGreaterThanOrEqual(i * interval - 60);
      expect(slotStart).toBeLessThanOrEqual(i * interval + 60);
    }
    const [otherJob] = await fixture.jobs(other.id);
    expect(otherJob?.opts.delay ?? 0).toBe(0);
    expect(await otherJob?.getState()).toBe('waiting');
  });

  it('keeps one follow-up job for triggers that arrive while the job runs', async () => {
    const tenant = await fixture.tenant();
    const body = { client_id: tenant.lifeposOrgId, order_id: orderId(), status: 'new' };
    const connection = createWorkerRedis(testRedisUrl());
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ran: string[] = [];
    const worker = new Worker(
      'order-export',
      async (job) => {
        if (job.data.connectionId !== tenant.id) return;
        ran.push(String(job.id));
        if (ran.length === 1) await released;
      },
      { connection, prefix: fixture.prefix, concurrency: 1 },
    );
    try {
      const first = await postTrigger(ingress, body);
      await waitFor(() => ran.length === 1, { what: 'the first job to start' });
      const during = await Promise.all([postTrigger(ingress, body), postTrigger(ingress, body)]);
      expect(during.map((answer) => answer.status)).toEqual([202, 202]);
      // Merged into the running job, which the timeline tells.
      await fixture.forwarded();
      const received = await receivedData(tenant.id, [body.order_id]);
      expect(received.map((data) => [data.jobId, data.deduplicated])).toEqual([
        [first.body.jobId, false],
        [first.body.jobId, true],
        [first.body.jobId, true],
      ]);
      release();
      await waitFor(() => ran.length === 2, { what: 'the follow-up job' });
      await waitFor(
        async () => (await fixture.jobs(tenant.id)).every((job) => job.finishedOn !== undefined),
        { what: 'both jobs to finish' },
      );
      const jobs = await fixture.jobs(tenant.id);
      expect(jobs).toHaveLength(2);
      expect(ran[0]).toBe(first.body.jobId);
    } finally {
      release();
      await worker.close();
      await connection.quit();
    }
  });
});

describe('rejected triggers: the documented status, nothing enqueued', () => {
  it.each([
    ['a missing client_id', () => ({ order_id: 5, status: 'new' }), 400, 'client_id'],
    [
      'a client_id that is not a guid',
      () => ({ client_id: 'org-1', order_id: 5, status: 'new' }),
      400,
      'client_id',
    ],
    [
      'a non-numeric order_id',
      (org: string) => ({ client_id: org, order_id: 'abc', status: 'new' }),
      400,
      'order_id',
    ],
    ['a zero order_id', (org: string) => ({ client_id: org, order_id: 0, status: 'new' }), 400, 'order_id'],
    ['an unknown status', (org: string) => ({ client_id: org, order_id: 5, status: 'paid' }), 400, 'status'],
  ])('%s → 400 naming the field and the rule', async (_name, body, status, field) => {
    const tenant = await fixture.tenant();
    const answer = await postTrigger(ingress, body(tenant.lifeposOrgId));
    expect(answer.status).toBe(status);
    expect(answer.body.error?.code).toBe('invalid_trigger');
    expect(answer.body.error?.message).toContain(field);
    expect(answer.body.error?.details).toEqual({
      issues: [{ field, rule: expect.stringMatching(/is required|must be/) }],
    });
    expect(await fixture.jobs(tenant.id)).toEqual([]);
  });

  it('an unknown client_id → 404', async () => {
    const before = (await fixture.jobs()).length;
    const answer = await postTrigger(ingress, { client_id: randomUUID(), order_id: 5, status: 'new' });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({
      code: 'unknown_client',
      message: expect.stringContaining('client_id'),
    });
    expect(await fixture.jobs()).toHaveLength(before);
  });

  it('a connection not yet set up → 409; a disabled one → 409 with the reason', async () => {
    const draft = await fixture.tenant({ status: 'draft' });
    const disabled = await fixture.tenant({
      status: 'disabled',
      disabledReason: 'RetailCRM API key revoked',
    });

    const notReady = await postTrigger(ingress, {
      client_id: draft.lifeposOrgId,
      order_id: 5,
      status: 'new',
    });
    expect(notReady.status).toBe(409);
    expect(notReady.body.error?.code).toBe('connection_not_ready');

    const off = await postTrigger(ingress, { client_id: disabled.lifeposOrgId, order_id: 5, status: 'new' });
    expect(off.status).toBe(409);
    expect(off.body.error).toMatchObject({
      code: 'connection_disabled',
      message: expect.stringContaining('RetailCRM API key revoked'),
    });
    expect(await fixture.jobs(draft.id)).toEqual([]);
    expect(await fixture.jobs(disabled.id)).toEqual([]);
  });

  it('a connection disabled while in use stops being accepted within the cache time', async () => {
    const tenant = await fixture.tenant();
    const body = { client_id: tenant.lifeposOrgId, order_id: orderId(), status: 'closed' };
    expect((await postTrigger(ingress, body)).status).toBe(202);

    await fixture.db.connections.update(tenant.id, { status: 'disabled', disabledReason: 'maintenance' });
    const disabledAt = Date.now();
    await waitFor(async () => (await postTrigger(ingress, body)).status === 409, {
      what: 'the disabled connection to be refused',
      timeoutMs: 5_000,
    });
    expect(Date.now() - disabledAt).toBeLessThan(CACHE_MS + 1_000);
    expect(await fixture.jobs(tenant.id)).toHaveLength(1);
  });

  it('a body over 16 KiB → 413 naming the limit', async () => {
    const tenant = await fixture.tenant();
    const answer = await postTrigger(ingress, {
      client_id: tenant.lifeposOrgId,
      order_id: 5,
      status: 'new',
      padding: 'x'.repeat(17 * 1024),
    });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('16384 bytes'),
    });
    expect(await fixture.jobs(tenant.id)).toEqual([]);
  });

  it('malformed JSON → 400, another content type → 415, another method → 405', async () => {
    const tenant = await fixture.tenant();
    const malformed = await postTrigger(ingress, '{"client_id": ', { json: true });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.code).toBe('invalid_json');

    const text = await postTrigger(ingress, `client_id=${tenant.lifeposOrgId}&order_id=5&status=new`, {
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);

    const get = await postTrigger(ingress, {}, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await fixture.jobs(tenant.id)).toEqual([]);
  });

  it('refund of an order the connector never exported → 422 with a message for the RetailCRM trigger log', async () => {
    const tenant = await fixture.tenant();
    const neverExported = orderId();
    const failedExport = orderId();
    await fixture.db.orderLinks.upsert(tenant.id, failedExport, { state: 'failed' });

    for (const order of [neverExported, failedExport]) {
      const answer = await postTrigger(ingress, {
        client_id: tenant.lifeposOrgId,
        order_id: order,
        status: 'refund',
      });
      expect(answer.status).toBe(422);
      expect(answer.body.error).toEqual({
        code: 'refund_without_sale',
        message: `По заказу ${order} в LIFE POS не было продажи и платежа — возврат невозможен`,
        details: { orderId: order },
      });
      expect(await fixture.db.orderEvents.list(tenant.id, order)).toEqual([
        expect.objectContaining({ type: 'trigger.rejected' }),
      ]);
      // Refused, but it did arrive: reconciliation must not report it lost.
      expect(await fixture.db.orderMarks.lastTriggerReceived(tenant.id, order, 'refund')).toBeInstanceOf(
        Date,
      );
    }
    expect(await fixture.jobs(tenant.id)).toEqual([]);
  });

  it('a runaway loop above INGRESS_FLOOD_PER_SECOND → 429 with Retry-After; other connections pass', async () => {
    // The default (2,000/s) is far above any real bulk change; lowered here to reach it with a few posts.
    const guarded = await fixture.start({ INGRESS_FLOOD_PER_SECOND: '5' });
    const flooding = await fixture.tenant();
    const other = await fixture.tenant();
    const answers = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        postTrigger(guarded, { client_id: flooding.lifeposOrgId, order_id: 1 + (i % 3), status: 'new' }),
      ),
    );
    const accepted = answers.filter((answer) => answer.status === 202);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(accepted.length + refused.length).toBe(15);
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    expect(accepted.length).toBeLessThanOrEqual(7);
    expect(refused[0]?.body.error?.code).toBe('too_many_triggers');
    expect(refused[0]?.body.error?.message).toContain('больше 5 в секунду');
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // Only accepted triggers made jobs (3 orders, deduplicated), none of the refused ones.
    const jobs = await fixture.jobs(flooding.id);
    expect(new Set(jobs.map((job) => job.data.orderId))).toEqual(new Set([1, 2, 3]));
    const received = await receivedData(flooding.id, [1, 2, 3]);
    expect(new Set(received.map((data) => data.jobId))).toEqual(new Set(jobs.map((job) => job.id)));
    const timelineLength = async () =>
      (await Promise.all([1, 2, 3].map((order) => fixture.db.orderEvents.list(flooding.id, order)))).flat()
        .length;
    await waitFor(async () => (await timelineLength()) >= accepted.length, { what: 'the timeline entries' });
    expect(await timelineLength()).toBe(accepted.length);

    const otherAnswer = await postTrigger(guarded, {
      client_id: other.lifeposOrgId,
      order_id: 1,
      status: 'new',
    });
    expect(otherAnswer.status).toBe(202);
  });

  it('a spray of made-up client ids → 429 past INGRESS_UNKNOWN_CLIENT_PER_SECOND; known connections pass', async () => {
    // A connection that exists when the process starts is known from the start (a restart mid-spray).
    const existing = await fixture.tenant();
    const guarded = await fixture.start({
      INGRESS_UNKNOWN_CLIENT_PER_SECOND: '5',
      INGRESS_CONNECTION_CACHE_MS: '50',
    });
    const shop = await fixture.tenant();
    const post = (clientId: string) =>
      postTrigger(guarded, { client_id: clientId, order_id: orderId(), status: 'new' });
    // A connection created since: its first trigger is its id's first lookup in this process.
    expect((await post(shop.lifeposOrgId)).status).toBe(202);

    const spray = await Promise.all(Array.from({ length: 40 }, () => post(randomUUID())));
    const looked = spray.filter((answer) => answer.status === 404);
    const throttled = spray.filter((answer) => answer.status === 429);
    expect(looked.length + throttled.length).toBe(40);
    // One second's worth of lookups (the bucket left after the shop's one, plus what refilled meanwhile).
    expect(looked.length).toBeLessThanOrEqual(8);
    expect(throttled[0]?.body.error?.code).toBe('too_many_unknown_clients');
    expect(throttled[0]?.body.error?.message).toContain('client_id');
    expect(Number(throttled[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // The shop's cached answer has expired: it is looked up again although unknown ids are throttled.
    await new Promise((resolve) => setTimeout(resolve, 60));
    const again = await Promise.all(Array.from({ length: 3 }, () => post(shop.lifeposOrgId)));
    expect(again.map((answer) => answer.status)).toEqual([202, 202, 202]);
    expect(await fixture.jobs(shop.id)).toHaveLength(4);
    // With the bucket emptied again, the connection that existed at the start is not held up either.
    // (One at a time until refused: on a slow machine a concurrent batch may straddle a refill.)
    let refusedAfter = 0;
    while (refusedAfter < 40 && (await post(randomUUID())).status !== 429) refusedAfter += 1;
    expect(refusedAfter).toBeLessThan(40);
    expect((await post(existing.lifeposOrgId)).status).toBe(202);
  });
});

describe('a bulk status change: every trigger accepted and stored', () => {
  const burst = (tenant: { lifeposOrgId: string }, orders: number[]) =>
    Promise.all(
      orders.map((order) =>
        postTrigger(ingress, { client_id: tenant.lifeposOrgId, order_id: order, status: 'new' }),
      ),
    );

  it('200 orders of one connection at once → 200 × 202 and 200 paced export jobs', async () => {
    const shop = await fixture.tenant();
    const orders = Array.from({ length: 200 }, () => orderId());
    const answers = await burst(shop, orders);

    expect(answers.filter((answer) => answer.status !== 202).map((answer) => answer.body.error)).toEqual([]);
    const jobs = await fixture.jobs(shop.id);
    expect(jobs).toHaveLength(200);
    expect(new Set(jobs.map((job) => job.data.orderId))).toEqual(new Set(orders));
    expect(new Set(jobs.map((job) => job.id))).toEqual(new Set(answers.map((answer) => answer.body.jobId)));
    // Paced, not refused: one start slot per order (≈124 ms apart at the default 10 RetailCRM calls/s),
    // so the last one starts some 25 s out, less the time the burst took.
    const delays = jobs.map((job) => job.opts.delay ?? 0).sort((a, b) => a - b);
    expect(delays[0]).toBe(0);
    expect(delays.at(-1)).toBeGreaterThan(15_000);
  });

  it('a bulk change that names orders twice → every trigger 202, one job per order', async () => {
    const shop = await fixture.tenant();
    const orders = Array.from({ length: 100 }, () => orderId());
    const answers = await burst(shop, [...orders, ...orders]);

    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 202));
    const jobs = await fixture.jobs(shop.id);
    expect(jobs).toHaveLength(100);
    const received = await receivedData(shop.id, orders);
    expect(received.filter((data) => data.deduplicated === true)).toHaveLength(100);
    expect(new Set(received.map((data) => data.jobId))).toEqual(new Set(jobs.map((job) => job.id)));
  });
});

describe('operations', () => {
  it('is ready when the database and the queue are, and counts triggers by status and outcome', async () => {
    const ready = await fetch(`${ingress.url}/readyz`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as { checks: object; down: string[] };
    expect(Object.keys(report.checks).sort()).toEqual(['postgres', 'queue', 'redis']);
    expect(report.down).toEqual([]);

    const metrics = await (await fetch(`${ingress.url}/metrics`)).text();
    expect(metrics).toMatch(/connector_ingress_triggers_total\{status="new",outcome="accepted"\} [1-9]/);
    // Counted where the trigger is forwarded: in the workers (here the fixture's forwarder, in this process).
    expect(metrics).toMatch(
      /connector_triggers_forwarded_total\{status="new",outcome="deduplicated"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /connector_ingress_triggers_total\{status="invalid",outcome="rejected_400"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /connector_ingress_triggers_total\{status="invalid",outcome="rejected_413"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /connector_ingress_triggers_total\{status="refund",outcome="rejected_422"\} [1-9]/,
    );
    expect(metrics).toMatch(/connector_ingress_triggers_total\{status="new",outcome="rejected_429"\} [1-9]/);
  });
});
