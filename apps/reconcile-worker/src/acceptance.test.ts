// Lost-trigger reconciliation end to end: the reconcile worker, the export and cancel workers and the ingress
// in-process against the sandbox simulators (RetailCRM's trigger rules on or off per test).
import { type OrderEventRecord, OrderLinkState } from '@connector/db';
import { createWorkerRedis } from '@connector/queue';
import { testRedisUrl, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ReconcileFixture, startReconcileFixture } from './test-support/reconcile-fixture.js';

let fx: ReconcileFixture;
let redis: Redis;
let exports: Queue;

beforeAll(async () => {
  fx = await startReconcileFixture({ orderWorkers: true, ingress: true });
  redis = createWorkerRedis(testRedisUrl());
  exports = new Queue('order-export', { connection: redis, prefix: fx.env.QUEUE_PREFIX });
});

afterAll(async () => {
  await exports.close();
  await redis.quit();
  await fx.close();
});

const timelineOf = (connectionId: string, orderId: number) =>
  fx.reconcile.deps.db.orderEvents.list(connectionId, orderId);
const ofType = (events: OrderEventRecord[], type: string) => events.filter((event) => event.type === type);

describe('reconciliation of lost RetailCRM triggers', () => {
  it('exports 50 orders moved while triggers were off within three periods, and cancels 10', async () => {
    const periodMs = 15_000;
    const c = await fx.seed({ reconcileEverySeconds: periodMs / 1000 });
    const code = c.seeded.accountCode;
    fx.sandbox.retailcrm.setTriggersEnabled(code, false);
    const orders = Array.from({ length: 50 }, () => c.order());
    await c.started();

    for (const orderId of orders) c.move(orderId, c.seeded.statuses.send);
    // The scan after activation runs at its scheduler's place in the period, half a period to one and a
    // half after the activation run (spread by a hash of the connection id: random here); the 50 repairs
    // then go at half the shop's rate (~12 s). Two periods were enough only for a favourable place.
    await waitFor(() => orders.every((orderId) => c.sales(orderId).length === 1), {
      timeoutMs: 3 * periodMs,
      what: 'every order exported',
    });

    const { db } = fx.reconcile.deps;
    for (const orderId of orders) {
      expect((await db.orderLinks.get(c.connectionId, orderId))?.state).toBe(OrderLinkState.exported);
      const repaired = ofType(await timelineOf(c.connectionId, orderId), 'reconcile.repaired');
      expect(repaired).toHaveLength(1);
      expect(repaired[0]!.message).toContain('repaired by reconciliation');
    }

    const cancelled = orders.slice(0, 10);
    for (const orderId of cancelled) c.move(orderId, c.seeded.statuses.cancelled);
    await waitFor(() => cancelled.every((orderId) => c.sales(orderId)[0]?.sale.state === 'Cancelled'), {
      timeoutMs: 2 * periodMs,
      what: 'the 10 sales cancelled',
    });
    for (const orderId of orders.slice(10)) expect(c.sales(orderId)[0]?.sale.state).toBe('New');
    for (const orderId of orders) expect(c.sales(orderId)).toHaveLength(1);
    // Every trigger was lost indeed.
    expect(fx.sandbox.retailcrm.triggerLog(code)).toEqual([]);
  }, 120_000);

  it('adds no sale and no LIFE POS write when the triggers did arrive', async () => {
    // Scans only when asked (the first one, at activation, sets the cursor).
    const c = await fx.seed({ reconcileEverySeconds: 3600 });
    const code = c.seeded.accountCode;
    const orders = Array.from({ length: 10 }, () => c.order());
    await c.started();

    for (const orderId of orders) c.move(orderId, c.seeded.statuses.send);
    await fx.sandbox.retailcrm.triggersSettled(code);
    await waitFor(() => orders.every((orderId) => c.sales(orderId).length === 1), {
      timeoutMs: 20_000,
      what: 'the triggers to export every order',
    });
    await waitFor(
      async () => {
        const counts = await exports.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(counts).every((count) => count === 0);
      },
      { what: 'the trigger jobs to finish' },
    );
    const settledAt = new Date();

    await fx.reconcile.deps.producer.add(
      'reconcile',
      { connectionId: c.connectionId, kind: 'retailcrm-history' },
      { jobId: `reconcile.${c.connectionId}.now` },
    );
    // Each re-check job the scan queued has run.
    for (const orderId of orders) {
      const checked = await waitFor(
        async () => ofType(await timelineOf(c.connectionId, orderId), 'reconcile.checked')[0],
        { what: `the re-check of order ${orderId} to be queued` },
      );
      const jobId = (checked.data as { jobId: string }).jobId;
      await waitFor(async () => (await exports.getJobState(jobId)) === 'completed', {
        what: `re-check job ${jobId}`,
      });
    }

    for (const orderId of orders) {
      expect(c.sales(orderId)).toHaveLength(1);
      const timeline = await timelineOf(c.connectionId, orderId);
      expect(ofType(timeline, 'reconcile.repaired')).toEqual([]);
      expect(ofType(timeline, 'trigger.received')).toHaveLength(1);
    }
    expect(c.lifeposWrites(settledAt)).toEqual([]);
  });

  it('loses nothing to a RetailCRM outage during reconciliation', async () => {
    const c = await fx.seed({ reconcileEverySeconds: 1 });
    const code = c.seeded.accountCode;
    fx.sandbox.retailcrm.setTriggersEnabled(code, false);
    const orders = Array.from({ length: 15 }, () => c.order());
    const mark = await c.started();
    const { db } = fx.reconcile.deps;

    // Down: first the rate-limit answer (503), then plain server errors.
    const path = '^/api/v5/orders/history$';
    const limited = fx.sandbox.faults.add({ system: 'retailcrm', path, errorRate: 1, errorStatus: 503 });
    for (const orderId of orders) c.move(orderId, c.seeded.statuses.send);
    await waitFor(() => limited.applied >= 2, { what: 'reconciliation runs during the 503s' });
    fx.sandbox.faults.remove(limited.id);
    const failing = fx.sandbox.faults.add({ system: 'retailcrm', path, errorRate: 1, errorStatus: 500 });
    await waitFor(() => failing.applied >= 2, { what: 'reconciliation runs during the 500s' });
    expect((await db.syncCursors.get(c.connectionId)).retailcrmHistorySinceId).toBe(mark);
    expect(orders.every((orderId) => c.sales(orderId).length === 0)).toBe(true);
    fx.sandbox.faults.remove(failing.id);

    await waitFor(() => orders.every((orderId) => c.sales(orderId).length === 1), {
      timeoutMs: 20_000,
      what: 'every order exported after the outage',
    });
    const lastMove = Math.max(
      ...fx.sandbox.retailcrm
        .history(code)
        .filter((entry) => entry.field === 'status' && entry.source === 'user')
        .map((entry) => Number(entry.id)),
    );
    expect((await db.syncCursors.get(c.connectionId)).retailcrmHistorySinceId).toBeGreaterThanOrEqual(
      lastMove,
    );
    for (const orderId of orders) {
      expect(ofType(await timelineOf(c.connectionId, orderId), 'reconcile.repaired')).toHaveLength(1);
    }
  });
});
