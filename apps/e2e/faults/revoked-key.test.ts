// Fault suite: one shop's RetailCRM API key is revoked (the simulator answers 403 «Wrong "apiKey" value.» as
// RetailCRM does) while a stream of triggers for three shops arrives, then restored. The ingress accepts
// every trigger (it does not call RetailCRM). The other shops are exported meanwhile, untouched. The
// shop's jobs fail at once (a refused key is no blip to retry) into ONE incident of the key listing its
// orders and its periodic jobs (sync, history scan, sweep: their first runs fell in the outage), whose
// RetailCRM tasks cannot be created either. Once the key is back, without anyone acting: the periodic
// incident check creates the tasks, its probe enqueues the orders and runs the periodic jobs again (the
// sync's next period is 5 minutes away), every accepted order is exported exactly once, and the incident
// resolves and completes its tasks. Only the retry budget, the incident check and the schedule keepers'
// pass are shortened (see outage-stack.ts); the behaviour is production's.
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
  salesOf,
  seedShops,
  startOutageStack,
  streamTriggers,
  tasksOf,
} from './outage-stack.js';

const SHOPS = 3;
const ORDERS_PER_SHOP = 12;
/** Triggers per second, over every shop. */
const RATE = 10;

describe('a RetailCRM key revoked, then restored', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startOutageStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  it('exports every accepted order once the key is back, through one self-resolving incident', async () => {
    // The shop seeded last and its key revoked at once: its periodic jobs' first runs meet the revoked key.
    const healthy = await seedShops(stack, SHOPS - 1, ORDERS_PER_SHOP);
    const shop = (await seedShops(stack, 1, ORDERS_PER_SHOP))[0]!;
    const { accountCode, apiKey } = shop.tenant;
    const key = stack.sandbox.retailcrm.accountInfo(accountCode).apiKeys.find((k) => k.key === apiKey)!;
    // Counted as they come (the request log keeps only the latest requests).
    let refused = 0;
    const stopCounting = stack.sandbox.requestLog.subscribe((entry) => {
      if (entry.system === 'retailcrm' && entry.tenant === accountCode && entry.status === 403) refused += 1;
    });
    stack.sandbox.retailcrm.removeApiKey(accountCode, key.key);

    const sent = await streamTriggers(stack, [shop, ...healthy], RATE);
    const accepted = sent.filter(isAccepted);
    const ofShop = accepted.filter((trigger) => trigger.shop === shop);
    const ofOthers = accepted.filter((trigger) => trigger.shop !== shop);

    // The other shops are exported while the key is revoked; the shop's orders gather in one incident whose
    // tasks could not be created.
    await waitFor(() => ofOthers.every((trigger) => salesOf(stack, trigger) >= 1), {
      what: 'the orders of the other shops exported',
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    const incident = await oneOutageIncident(
      stack,
      shop,
      'retailcrm.key',
      accepted,
      (current, subjects) =>
        current.tasksFailedAt !== null &&
        subjects.some((subject) => subject.queue === 'sync' && subject.subject === 'all'),
    );
    expect(tasksOf(stack, shop)).toEqual([]);
    expect(ofShop.filter((trigger) => salesOf(stack, trigger) > 0)).toEqual([]);
    expect(refused).toBeGreaterThanOrEqual(ofShop.length);
    const refusedWhileRevoked = refused;
    stopCounting();

    // The key is back; from here on nobody acts.
    stack.sandbox.retailcrm.addApiKey(accountCode, key);
    const members = shop.tenant.errorGroup.activeUserIds.length;
    const problems: string[] = [];
    await collect(
      problems,
      waitFor(() => tasksOf(stack, shop).length >= members, {
        what: 'the tasks created by the periodic incident check',
        timeoutMs: 30_000,
      }),
    );
    await collect(
      problems,
      waitFor(() => ofShop.every((trigger) => salesOf(stack, trigger) >= 1), {
        what: 'every accepted order of the shop exported once the key works',
        timeoutMs: 60_000,
        intervalMs: 250,
      }),
    );
    await collect(problems, resolvedWithTasksCompleted(stack, incident));
    await collect(problems, stack.queueIdle('order-export', 30_000));

    const incidents = (await Promise.all([shop, ...healthy].map((each) => incidentsOf(stack, each)))).flat();
    const tasks = tasksOf(stack, shop);
    reportFaultCounts(
      'RetailCRM key revoked, then restored',
      tally(sent, isAccepted, (trigger) => salesOf(stack, trigger)),
      {
        shops: SHOPS,
        ofRevokedShop: ofShop.length,
        retailcrmRefusals: refusedWhileRevoked,
        incidentsOpened: incidents.length,
        incidentsResolved: incidents.filter((each) => each.status === 'resolved').length,
        tasksCreated: tasks.length,
        tasksCompleted: tasks.filter((task) => task.complete === true).length,
      },
    );
    expect(problems).toEqual([]);
    expect(incidents.map((each) => [each.id, each.status, each.resolvedByHand])).toEqual([
      [incident.id, 'resolved', false],
    ]);
    expect(tasks).toHaveLength(members);
    expect(
      tasks.every(
        (task) =>
          task.complete === true &&
          ofShop.every(({ order }) => String(task.commentary).includes(`заказ ${order.id}:`)),
      ),
    ).toBe(true);
  }, 180_000);
});
