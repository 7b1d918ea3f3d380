// Test-only (not built): what every order worker does with a trigger for an order RetailCRM does not have
// (a forged trigger, or an order deleted since), asserted the same way for each of them.
import { expect } from '@jest/globals';
import type { SeededConnection, WorkerFixture } from './worker-fixture.js';

type OrderQueue = Parameters<WorkerFixture['enqueue']>[0];

/**
 * Runs a job of `queue` for an order id RetailCRM does not have and expects it to end at its first attempt
 * with a timeline entry (outcome `not-found`), and no incident and no RetailCRM task for the order.
 */
export async function expectMissingOrderSkipped(
  fixture: WorkerFixture,
  connection: SeededConnection,
  queue: OrderQueue,
): Promise<void> {
  const missing = 900_000_000 + Math.floor(Math.random() * 1_000_000);

  const job = await fixture.settled(queue, await fixture.enqueue(queue, connection.connectionId, missing));

  expect(await job.getState()).toBe('completed');
  expect(job.attemptsMade).toBe(1);
  const events = await fixture.timeline(connection.connectionId, missing);
  expect(events.map((event) => event.type)).toEqual(['job.started', 'job.finished']);
  expect(events[1]).toMatchObject({
    message: expect.stringContaining('Заказ не найден в RetailCRM — триггер пропущен'),
    data: { outcome: 'not-found' },
  });
  const { db } = fixture.app.deps;
  expect(await db.incidents.listForOrder(connection.connectionId, missing)).toEqual([]);
  expect(
    fixture.sandbox.retailcrm
      .tasks(connection.seeded.accountCode)
      .filter((task) => (task.order as { id?: number } | undefined)?.id === missing),
  ).toEqual([]);
}
