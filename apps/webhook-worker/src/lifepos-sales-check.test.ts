// The sales check after a long outage: more sales changed than one check may page through. It must move its
// cursor to the last sale it handled and let the next check go on, not fail the same way on every run.
import { LIFEPOS_PAGING_CODES, LifePosPagingError } from '@connector/lifepos';
import type { TenantRuntime } from '@connector/tenant';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkLifeposSales } from './lifepos-sales-check.js';
import { startWebhookFixture, type WebhookFixture } from './test-support/webhook-fixture.js';

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
    const tenant = await fx.seed({ subscribe: false });
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
