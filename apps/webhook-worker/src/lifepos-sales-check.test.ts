// The sales check after a long outage: more sales changed than one check may page through. It must move its
// cursor to the last sale it handled and let the next check go on, not fail the same way on every run.
import { LIFEPOS_PAGING_CODES, LifePosPagingError } from '@connector/lifepos';
import type { TenantRuntime } from '@connector/tenant';
import { waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkLifeposSales, SALES_CHECK_OVERLAP_MS } from './lifepos-sales-check.js';
import {
  type SeededConnection,
  startWebhookFixture,
  type WebhookFixture,
} from './test-support/webhook-fixture.js';

let fx: WebhookFixture;

beforeAll(async () => {
  fx = await startWebhookFixture();
});

afterAll(async () => {
  await fx?.close();
});

/** The real tenant, whose LIFE POS sales list stops at its page limit after `pages` sales. */
function runtimeStoppingAfter(runtime: TenantRuntime, sales: number): TenantRuntime {
  return {
    ...runtime,
    open: async (connectionId) => {
      const tenant = await runtime.open(connectionId);
      const iterate: typeof tenant.lifepos.sales.iterate = async function* (params, options) {
        let given = 0;
        for await (const sale of tenant.lifepos.sales.iterate(params, options)) {
          if (given === sales)
            throw new LifePosPagingError(LIFEPOS_PAGING_CODES.tooManyPages, 'sales', given);
          given += 1;
          yield sale;
        }
      };
      return { ...tenant, lifepos: { ...tenant.lifepos, sales: { ...tenant.lifepos.sales, iterate } } };
    },
  };
}

describe('the LIFE POS sales check at its page limit', () => {
  it('moves the cursor to the last sale it handled instead of failing for ever', async () => {
    // Checked here only: the worker's own periodic check of this connection (hourly) must not move the
    // cursor past both sales meanwhile, as it did once at the one-minute default on a slow machine.
    const tenant = await fx.seed({ subscribe: false, settings: { lifeposPollSeconds: 3600 } });
    const first = await fx.exportedOrder(tenant);
    await fx.exportedOrder(tenant);
    const { db, producer, logger, runtime } = fx.worker.deps;
    const connectionId = tenant.connection.id;

    const result = await checkLifeposSales(
      { db, producer, logger, runtime: runtimeStoppingAfter(runtime, 1) },
      connectionId,
    );

    expect(result).toMatchObject({ outcome: 'checked', seen: 1, truncated: true });
    const saleOne = fx.sandbox.lifepos.sale(tenant.seeded.orgId, first.saleId).sale;
    const cursor = (await db.syncCursors.get(connectionId)).lifeposSalesCursor;
    expect(cursor?.toISOString()).toBe(new Date(saleOne.updated_at as string).toISOString());

    // Any other stop is a real failure.
    const broken: TenantRuntime = {
      ...runtime,
      open: async (id) => {
        const t = await runtime.open(id);
        const iterate: typeof t.lifepos.sales.iterate = async function* () {
          yield* [];
          throw new LifePosPagingError(LIFEPOS_PAGING_CODES.loop, 'sales', 3);
        };
        return { ...t, lifepos: { ...t.lifepos, sales: { ...t.lifepos.sales, iterate } } };
      },
    };
    await expect(checkLifeposSales({ db, producer, logger, runtime: broken }, connectionId)).rejects.toThrow(
      LifePosPagingError,
    );
  });
});

// An idle shop (no sale the write-back still follows) costs no LIFE POS call a period; a shop with an open
// sale is read every period; and a check that did not read never loses an update for the next one that does.
describe('the LIFE POS sales check of an idle connection', () => {
  const MINUTE = 60_000;
  const lifeposCalls = (t: SeededConnection) =>
    fx.sandbox.requestLog.list({ system: 'lifepos', tenant: t.seeded.orgId }).length;
  const cursorOf = async (t: SeededConnection) =>
    (await fx.worker.deps.db.syncCursors.get(t.connection.id)).lifeposSalesCursor;
  const check = (t: SeededConnection, at?: Date) => {
    const { db, producer, logger, runtime } = fx.worker.deps;
    return checkLifeposSales(
      { db, producer, logger, runtime, ...(at && { now: () => at }) },
      t.connection.id,
    );
  };
  const paymentsOf = (t: SeededConnection, orderId: number) =>
    Object.values(
      (
        fx.sandbox.retailcrm.getOrder(t.seeded.accountCode, orderId) as {
          payments?: Record<string, { status: string; externalId?: string }>;
        }
      ).payments ?? {},
    );
  const total = (t: SeededConnection, saleId: string) =>
    fx.sandbox.lifepos.sale(t.seeded.orgId, saleId).sale.total_sum.value;

  it('does not call LIFE POS when no sale is open, and leaves the cursor where the last reading check put it', async () => {
    const t = await fx.seed({ subscribe: false });
    // The first check has no cursor: it reads (one period back) and sets it.
    expect(await check(t)).toMatchObject({ outcome: 'checked' });
    const cursor = await cursorOf(t);
    const calls = lifeposCalls(t);

    for (const minutes of [1, 2, 30, 59]) {
      const at = new Date(cursor!.getTime() + minutes * MINUTE);
      expect(await check(t, at)).toEqual({
        outcome: 'idle',
        since: new Date(cursor!.getTime() - SALES_CHECK_OVERLAP_MS).toISOString(),
      });
    }

    expect(lifeposCalls(t)).toBe(calls);
    expect(await cursorOf(t)).toEqual(cursor);
  });

  it('reads LIFE POS while a sale is open, and writes back a payment made there', async () => {
    const t = await fx.seed({ subscribe: false });
    await check(t);
    const { order, saleId } = await fx.exportedOrder(t);
    const payment = fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, { card: total(t, saleId) });

    expect(await check(t)).toMatchObject({ outcome: 'checked', seen: 1, queued: 1 });

    await waitFor(() => paymentsOf(t, order.id).length === 1, { timeoutMs: 10_000, what: 'the payment' });
    expect(paymentsOf(t, order.id)).toEqual([
      expect.objectContaining({
        externalId: `lifepos-${payment.guid}-card`,
        status: t.seeded.paymentStatuses.paid,
      }),
    ]);
  });

  it('reads from the last reading check once the full check is due: a change made while idle is written back', async () => {
    const t = await fx.seed({ subscribe: false });
    const { order, saleId } = await fx.exportedOrder(t);
    fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, { card: total(t, saleId) });
    fx.sandbox.lifepos.complete(t.seeded.orgId, saleId);
    expect(await check(t)).toMatchObject({ outcome: 'checked', queued: 1 });
    await waitFor(() => paymentsOf(t, order.id).length === 1, { timeoutMs: 10_000, what: 'the payment' });
    await fx.settled();
    const cursor = (await cursorOf(t))!;

    // Completed and written back: nothing open. The payment is refunded at the till, its notification lost.
    fx.sandbox.lifepos.refund(t.seeded.orgId, saleId);
    expect(await check(t, new Date(cursor.getTime() + 10 * MINUTE))).toMatchObject({ outcome: 'idle' });
    expect(await cursorOf(t)).toEqual(cursor);

    expect(await check(t, new Date(cursor.getTime() + 61 * MINUTE))).toMatchObject({
      outcome: 'checked',
      queued: 1,
    });
    await waitFor(
      () => paymentsOf(t, order.id).every((crm) => crm.status === t.seeded.paymentStatuses.returned),
      { timeoutMs: 10_000, what: 'the RetailCRM payment refunded' },
    );
  });
});
