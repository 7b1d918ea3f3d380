// Fault suite: Redis is restarted in the middle of a burst of concurrent triggers — (a) with its data
// (append-only file kept), (b) empty, every queued job gone. Every trigger the ingress answered 202 is
// exported exactly once: the ones that met the outage went to the database outbox and are drained when Redis
// is back, and the ones whose jobs Redis lost are found by the convergence sweep, which compares RetailCRM's
// orders with what was exported. Afterwards the workers — the export worker in its own process — consume
// again: ready, and new triggers are exported.
import { type ReconcileWorker, startReconcileWorker } from '@connector/reconcile-worker';
import { type LocalRedis, startDedicatedRedis, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { quietLogger } from '../src/stack.js';
import { reportFaultCounts, tally } from './fault-counts.js';
import { type ProcessStack, startProcessStack } from './process-stack.js';

const TENANTS = 3;
const ORDERS_PER_TENANT = 60;
/** Triggers in flight at once. */
const CONCURRENCY = 12;

describe('Redis restarted during a burst of triggers', () => {
  let redis: LocalRedis;
  let stack: ProcessStack;

  beforeAll(async () => {
    redis = await startDedicatedRedis();
    // The burst is faster than the per-connection flood limit allows; this test is about Redis.
    stack = await startProcessStack({
      redisUrl: redis.url,
      ingressEnv: { INGRESS_FLOOD_PER_SECOND: '1000' },
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await redis?.dispose();
  }, 60_000);

  it('exports every 202-answered trigger once, and the workers consume again', async () => {
    const tenants = await stack.seedShops(TENANTS, ORDERS_PER_TENANT);
    const orders = tenants.flatMap(({ tenant, orders }) => orders.map((order) => ({ tenant, order })));
    // Interleave the tenants, as a shop chain's triggers arrive.
    orders.sort((a, b) => a.order.id - b.order.id || a.tenant.orgId.localeCompare(b.tenant.orgId));

    const answers = new Map<number, number>();
    let outboxed = 0;
    let next = 0;
    let restart: Promise<void> | undefined;
    let stopped: Promise<void> | undefined;
    const third = Math.floor(orders.length / 3);
    const sender = async () => {
      while (next < orders.length) {
        const index = next++;
        if (index === third) {
          // Stop now, start again once another third of the burst has been answered (by the outbox).
          stopped = redis.stop();
          restart = (async () => {
            await stopped;
            await waitFor(() => answers.size >= 2 * third, { what: 'triggers during the outage' });
            await redis.start();
          })();
        }
        // The rest of the burst arrives once Redis is down: the ingress answers faster than it stops.
        if (index >= third) await stopped;
        const { tenant, order } = orders[index]!;
        const answer = await stack.trigger(tenant, order.id);
        const body = (await answer.json()) as { queued?: string };
        if (body.queued === 'outbox') outboxed += 1;
        answers.set(index, answer.status);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, sender));
    await restart;

    const statuses = [...answers.values()];
    expect(statuses).toHaveLength(orders.length);
    expect(statuses.filter((status) => status !== 202)).toEqual([]);
    const accepted = orders.filter((_, index) => answers.get(index) === 202);
    // The burst really met the outage: part of it was parked in the outbox.
    expect(outboxed).toBeGreaterThan(0);

    const exportedOnce = () =>
      accepted.every(({ tenant, order }) => stack.salesOf(tenant.orgId, order.id).length >= 1);
    await waitFor(exportedOnce, {
      what: 'every accepted trigger exported',
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    await waitFor(async () => (await stack.db.outbox.count()) === 0, {
      what: 'the outbox drained',
      timeoutMs: 30_000,
    });
    await stack.queueIdle('order-export', 60_000);
    const counts = tally(
      orders,
      (_, index) => answers.get(index) === 202,
      ({ tenant, order }) => stack.salesOf(tenant.orgId, order.id).length,
    );
    reportFaultCounts('Redis restarted (data kept) during a burst', counts, { outboxed });

    // Consuming again: the export worker process reports ready, and a new trigger is exported.
    await waitFor(async () => (await fetch(`${stack.exportWorker().url}/readyz`)).status === 200, {
      what: 'the export worker ready',
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(stack.syncWorker.runner.health().redisReady).toBe(true);
    const { tenant } = tenants[0]!;
    const after = tenant.createOrder({ store: tenant.stores[0]!.code, status: tenant.statuses.send });
    expect((await stack.trigger(tenant, after.id)).status).toBe(202);
    await waitFor(() => stack.salesOf(tenant.orgId, after.id).length === 1, {
      what: 'the sale of a trigger sent after the restart',
      timeoutMs: 30_000,
    });
  }, 300_000);
});

describe('Redis restarted empty with jobs waiting', () => {
  let redis: LocalRedis;
  let stack: ProcessStack;
  let reconcile: ReconcileWorker | undefined;

  beforeAll(async () => {
    redis = await startDedicatedRedis();
    stack = await startProcessStack({
      redisUrl: redis.url,
      ingressEnv: { INGRESS_FLOOD_PER_SECOND: '1000' },
    });
    reconcile = await startReconcileWorker({
      env: stack.env,
      logger: quietLogger('reconcile-worker'),
      // The keeper puts the lost schedulers back every second (production: every minute).
      scheduleCheckEveryMs: 1_000,
      // A change older than half a second is the sweep's (production: a minute, for the trigger in flight).
      sweep: { settleMs: 500 },
    });
  }, 120_000);
  afterAll(async () => {
    await reconcile?.close();
    await stack?.close();
    await redis?.dispose();
  }, 60_000);

  it('exports every 202-answered trigger once although Redis lost the jobs', async () => {
    // Sweeps every 2 s (production: every 5 minutes); the history scan only hourly, so the sweep repairs.
    const tenants = await stack.seedShops(TENANTS, ORDERS_PER_TENANT / 2, {
      settings: { sweepEverySeconds: 2, reconcileEverySeconds: 3600 },
    });
    const orders = tenants.flatMap(({ tenant, orders }) => orders.map((order) => ({ tenant, order })));
    // No export worker: every accepted trigger waits in Redis as a job when Redis loses everything.
    await stack.exportWorker().kill('SIGKILL');
    const statuses: number[] = [];
    for (const { tenant, order } of orders) statuses.push((await stack.trigger(tenant, order.id)).status);
    // The workers still running (the sync worker) forward the triggers into the queue.
    await stack.triggersForwarded();
    const waiting = await stack.queue('order-export').count();
    await redis.restartEmpty();
    await waitFor(async () => (await stack.queue('order-export').count()) === 0, {
      what: 'the empty Redis answering',
      timeoutMs: 15_000,
    });
    await stack.restartExportWorker();

    const copies = ({ tenant, order }: (typeof orders)[number]) =>
      stack.salesOf(tenant.orgId, order.id).length;
    await waitFor(() => orders.every((order) => copies(order) >= 1), {
      what: 'every accepted order exported by the sweep',
      timeoutMs: 120_000,
      intervalMs: 250,
    }).catch(() => {});
    await stack.queueIdle('order-export', 30_000).catch(() => {});
    const counts = tally(orders, (_, index) => statuses[index] === 202, copies);
    reportFaultCounts('Redis restarted empty with the jobs waiting', counts, { jobsLostWithRedis: waiting });
    // The jobs really were lost: every order was waiting in Redis, none had been exported.
    expect(waiting).toBeGreaterThanOrEqual(orders.length);
  }, 240_000);
});
