// Fault suite: LIFE POS is down — half its requests reset (unreachable), the rest answered 502 — for longer
// than the export jobs' whole retry budget while a stream of triggers for four shops arrives. Every job fails
// for good; each shop gets ONE incident of the outage listing its orders, with one task per member of its
// error group. When LIFE POS answers again nobody acts: the incident check's probe enqueues the orders again
// (and the convergence sweep would), every 202-answered order is exported exactly once, and each incident
// resolves and completes its tasks by itself. The retry budget and the periods are shortened (see
// outage-stack.ts); the behaviour is production's.
import { waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Stack } from '../src/stack.js';
import { reportFaultCounts, tally } from './fault-counts.js';
import {
  collect,
  incidentsOf,
  isAccepted,
  oneOutageIncident,
  resolvedWithTasksCompleted,
  SHORT_RETRIES,
  salesOf,
  seedShops,
  startOutageStack,
  streamTriggers,
  tasksOf,
} from './outage-stack.js';

const SHOPS = 4;
const ORDERS_PER_SHOP = 10;
/** Triggers per second, over every shop. */
const RATE = 10;

describe('LIFE POS down for longer than the retry budget', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startOutageStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  it('exports every accepted order once after it, through one self-resolving incident per shop', async () => {
    const shops = await seedShops(stack, SHOPS, ORDERS_PER_SHOP);
    const down = stack.sandbox.faults.add({
      system: 'lifepos',
      hangRate: 0.5,
      hangMs: 0,
      errorRate: 1,
      errorStatus: 502,
    });
    const sent = await streamTriggers(stack, shops, RATE);
    const accepted = sent.filter(isAccepted);

    // Every job spends its budget; the failures gather in one incident per shop, whose tasks list the orders.
    const incidents = await Promise.all(
      shops.map((shop) => oneOutageIncident(stack, shop, 'lifepos.unavailable', accepted)),
    );
    for (const shop of shops) {
      const members = shop.tenant.errorGroup.activeUserIds.length;
      await waitFor(
        () =>
          tasksOf(stack, shop).length === members &&
          tasksOf(stack, shop).every((task) =>
            shop.orders.every((order) => String(task.commentary).includes(`заказ ${order.id}:`)),
          ),
        { what: 'one task per member of the error group listing every order of the shop', timeoutMs: 30_000 },
      );
    }
    const failedForGood = (await stack.queue('order-export').getJobs(['failed'])).filter(
      (job) => job.attemptsMade === SHORT_RETRIES.attempts,
    ).length;
    expect(failedForGood).toBeGreaterThanOrEqual(accepted.length);
    expect(accepted.filter((trigger) => salesOf(stack, trigger) > 0)).toEqual([]);

    // LIFE POS answers again; from here on nobody acts.
    stack.sandbox.faults.remove(down.id);
    const problems: string[] = [];
    await collect(
      problems,
      waitFor(() => accepted.every((trigger) => salesOf(stack, trigger) >= 1), {
        what: 'every accepted order exported',
        timeoutMs: 90_000,
        intervalMs: 250,
      }),
    );
    for (const incident of incidents) await collect(problems, resolvedWithTasksCompleted(stack, incident));
    await collect(problems, stack.queueIdle('order-export', 30_000));

    const after = (await Promise.all(shops.map((shop) => incidentsOf(stack, shop)))).flat();
    const tasks = shops.flatMap((shop) => tasksOf(stack, shop));
    reportFaultCounts(
      'LIFE POS down longer than the retry budget',
      tally(sent, isAccepted, (trigger) => salesOf(stack, trigger)),
      {
        shops: SHOPS,
        lifeposFaultAnswers: down.applied,
        failedForGood,
        incidentsOpened: after.length,
        incidentsResolved: after.filter((incident) => incident.status === 'resolved').length,
        tasksCreated: tasks.length,
        tasksCompleted: tasks.filter((task) => task.complete === true).length,
      },
    );
    expect(problems).toEqual([]);
    expect(after.map((incident) => incident.id).sort()).toEqual(
      incidents.map((incident) => incident.id).sort(),
    );
    expect(after.every((incident) => incident.status === 'resolved' && !incident.resolvedByHand)).toBe(true);
    for (const shop of shops) {
      const shopTasks = tasksOf(stack, shop);
      expect(shopTasks).toHaveLength(shop.tenant.errorGroup.activeUserIds.length);
      expect(
        shopTasks.every((task) => task.complete === true && String(task.commentary).includes('Решено')),
      ).toBe(true);
    }
  }, 180_000);
});
