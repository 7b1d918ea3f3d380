// The history scan of an idle shop reads RetailCRM once per idle period, not every minute; a change or a
// trigger brings it back to every period, and a change made while it was idle is still repaired.
import type { Database } from '@connector/db';
import type { Sandbox } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHistoryPace, type HistoryPace, pacedHistoryScan } from './history-pace.js';
import { scanOrderHistory } from './history-scan.js';
import { type ReconcileParts, startReconcileParts } from './test-support/reconcile-parts.js';

let parts: ReconcileParts;
let sandbox: Sandbox;
let db: Database;
let pace: HistoryPace;

beforeAll(async () => {
  parts = await startReconcileParts('history-pace-test');
  ({ sandbox, db } = parts);
  pace = createHistoryPace(parts.redis, parts.prefix);
});

afterAll(() => parts?.close());

const MINUTE = 60_000;

/** A connection without trigger rules, scanned every minute, idle period five minutes. */
async function fixture() {
  const { seeded, connectionId, tenant } = await parts.connect({
    reconcileEverySeconds: 60,
    reconcileIdleEverySeconds: 300,
  });
  const code = seeded.accountCode;
  /** One run of the scan's job at `at`, as the handler runs it. */
  const run = (at: Date) => {
    const now = () => at;
    const { logger, producer } = parts;
    return pacedHistoryScan(
      { cursors: db.syncCursors, orderMarks: db.orderMarks, pace, logger, now },
      tenant,
      () =>
        scanOrderHistory(
          {
            cursors: db.syncCursors,
            orderMarks: db.orderMarks,
            orderLinks: db.orderLinks,
            producer,
            logger,
            now,
          },
          tenant,
        ),
    );
  };
  return {
    seeded,
    connectionId,
    run,
    historyCalls: () =>
      sandbox.requestLog
        .list({ system: 'retailcrm', tenant: code })
        .filter((request) => request.path.endsWith('/orders/history')).length,
    /** A manager sends a new order to LIFE POS; its trigger is lost (the account has no trigger rules). */
    sendOrder: () => {
      const order = seeded.createOrder({ store: seeded.stores[0]!.code });
      sandbox.retailcrm.setOrderStatus(code, order.id, seeded.statuses.send);
      return order.id;
    },
    exportJobs: async () => [...(await parts.jobsByOrder('order-export', connectionId)).keys()],
  };
}

const after = (t0: number, minutes: number) => new Date(t0 + minutes * MINUTE);

describe('the history scan of an idle shop', () => {
  it('reads RetailCRM once per idle period, and still repairs a change made while it did not read', async () => {
    const f = await fixture();
    // Nothing found for an hour before: the shop is idle.
    const t0 = Date.now();
    await pace.changed(f.connectionId, new Date(t0 - 60 * MINUTE));
    await expect(f.run(after(t0, 0))).resolves.toMatchObject({ outcome: 'scanned', entries: 0 });
    const calls = f.historyCalls();

    for (const minute of [1, 2, 3, 4]) {
      await expect(f.run(after(t0, minute))).resolves.toEqual({
        skipped: 'idle',
        nextReadAt: new Date(t0 + 4.5 * MINUTE).toISOString(),
      });
    }
    expect(f.historyCalls()).toBe(calls);

    // Made in RetailCRM without a trigger; the idle period's read finds it.
    const orderId = f.sendOrder();
    await expect(f.run(after(t0, 5))).resolves.toMatchObject({ outcome: 'scanned', repaired: 1 });
    expect(await f.exportJobs()).toEqual([orderId]);
  });

  it('keeps reading every period while the shop is active: after a change, and after a trigger', async () => {
    const f = await fixture();
    const t0 = Date.now();
    await pace.changed(f.connectionId, new Date(t0 - 60 * MINUTE));
    f.sendOrder();
    await expect(f.run(after(t0, 0))).resolves.toMatchObject({ outcome: 'scanned', repaired: 1 });

    // The change found at t0 keeps the scan reading every minute for the idle period.
    for (const minute of [1, 2, 3, 4]) {
      const calls = f.historyCalls();
      await expect(f.run(after(t0, minute))).resolves.toMatchObject({ outcome: 'scanned', entries: 0 });
      expect(f.historyCalls()).toBeGreaterThan(calls);
    }
    // Five minutes without a change: idle…
    await expect(f.run(after(t0, 5))).resolves.toMatchObject({ skipped: 'idle' });
    // …until a trigger of the connection arrives: the next run reads.
    await db.orderMarks.triggersReceived([
      { connectionId: f.connectionId, retailcrmOrderId: 1, trigger: 'new', receivedAt: after(t0, 5.5) },
    ]);
    const calls = f.historyCalls();
    await expect(f.run(after(t0, 6))).resolves.toMatchObject({ outcome: 'scanned' });
    expect(f.historyCalls()).toBeGreaterThan(calls);
  });

  it('reads every period when it does not know when the history last changed (its memory lost)', async () => {
    const f = await fixture();
    const t0 = Date.now();
    await expect(f.run(after(t0, 0))).resolves.toMatchObject({ outcome: 'scanned' });
    await parts.redis.del(`${parts.prefix}:history:${f.connectionId}:changed`);
    await expect(f.run(after(t0, 1))).resolves.toMatchObject({ outcome: 'scanned' });
    // That read counts as a change: the idle period starts from it.
    await expect(f.run(after(t0, 2))).resolves.toMatchObject({ outcome: 'scanned' });
    await expect(f.run(after(t0, 6))).resolves.toMatchObject({ skipped: 'idle' });
  });
});
