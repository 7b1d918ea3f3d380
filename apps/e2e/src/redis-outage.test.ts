// Redis outage: Redis stopped during a burst of triggers → every trigger answered 202 is exported
// once Redis is back (the ingress parks them in the outbox; the workers reconnect and consume again).

import { saleMetaFor } from '@connector/domain';
import { type LocalRedis, startDedicatedRedis, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Stack, startStack } from './stack.js';

describe('Redis outage during a burst of triggers', () => {
  let redis: LocalRedis;
  let stack: Stack;

  beforeAll(async () => {
    redis = await startDedicatedRedis();
    stack = await startStack({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.dispose();
  });

  it('exports every 202-answered trigger after Redis returns, each once', async () => {
    const { tenant } = await stack.seed({ triggers: { fireOnCreate: false } });
    const orders = Array.from({ length: 30 }, () =>
      tenant.createOrder({ store: tenant.stores[0]!.code, status: tenant.statuses.send }),
    );
    const accepted: number[] = [];
    const answers: number[] = [];
    for (const [index, order] of orders.entries()) {
      if (index === 10) await redis.stop();
      const answer = await stack.trigger(tenant, order.id, 'new');
      answers.push(answer.status);
      if (answer.status === 202) accepted.push(order.id);
    }
    // Every trigger was durably accepted: into Redis before the outage, into the outbox during it.
    expect(answers.every((status) => status === 202)).toBe(true);
    expect(accepted).toHaveLength(orders.length);
    expect(await stack.db.outbox.count()).toBeGreaterThan(0);

    await redis.start();
    const exported = (orderId: number) =>
      stack.sandbox.lifepos.sales(tenant.orgId).filter(({ sale }) => sale.meta === saleMetaFor(orderId))
        .length;
    await waitFor(() => accepted.every((orderId) => exported(orderId) === 1), {
      what: 'every accepted trigger exported',
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    await waitFor(async () => (await stack.db.outbox.count()) === 0, { what: 'the outbox drained' });
    expect(accepted.map(exported)).toEqual(accepted.map(() => 1));
  });
});
