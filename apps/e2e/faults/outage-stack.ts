// What the upstream-outage scenarios of the fault suite share: the whole connector in this process (the
// ingress, every order worker, the sync worker with the incident check, the reconcile worker) with a retry
// budget of milliseconds, so that an outage outlasts it in a moment; a paced stream of RetailCRM triggers
// over several shops; and what they read back (LIFE POS sales, incidents, RetailCRM tasks).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Incident, IncidentSubject } from '@connector/db';
import { saleMetaFor } from '@connector/domain';
import type { QueuePolicy } from '@connector/queue';
import { type Tenant, type TenantOrder, waitFor } from '@connector/testkit';
import { type Stack, startStack } from '../src/stack.js';

/** The retry budget of every order job (and incident job): three attempts, 100 and 200 ms apart. */
export const SHORT_RETRIES: Partial<QueuePolicy> = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 100, jitter: 0 },
};

/**
 * The stack of an outage scenario. Only these durations are shorter than production's: the retry budget,
 * the incident check (every 0.5 s; tasks that could not be created are tried again after 1 s) and the
 * schedule keepers' pass (every second, so a new shop's periodic jobs — sync, history scan, convergence
 * sweep — start at once; their periods are production's, and they run, and fail, as in production).
 */
export function startOutageStack(): Promise<Stack> {
  return startStack({
    policies: {
      'order-export': SHORT_RETRIES,
      'order-cancel': SHORT_RETRIES,
      'order-refund': SHORT_RETRIES,
      'crm-tasks': SHORT_RETRIES,
    },
    incidentWatch: { everyMs: 500, taskRetryMs: 1_000 },
    scheduleCheckEveryMs: 1_000,
    reconcile: true,
  });
}

export interface Shop {
  tenant: Tenant;
  connectionId: string;
  orders: TenantOrder[];
}

/** `count` shops of one site each, each with `orders` new orders in the export status at its first store. */
export async function seedShops(stack: Stack, count: number, orders: number): Promise<Shop[]> {
  const shops: Shop[] = [];
  for (let i = 0; i < count; i += 1) {
    const { tenant, connectionId } = await stack.seed({ sites: 1 });
    const created = Array.from({ length: orders }, () =>
      tenant.createOrder({ store: tenant.stores[0]!.code, status: tenant.statuses.send }),
    );
    shops.push({ tenant, connectionId, orders: created });
  }
  return shops;
}

export interface Sent {
  shop: Shop;
  order: TenantOrder;
  /** The ingress's answer. */
  status: number | 'error';
}

/** The trigger of every order of the shops (taking turns between the shops), `perSecond` at most. */
export async function streamTriggers(stack: Stack, shops: Shop[], perSecond: number): Promise<Sent[]> {
  const longest = Math.max(...shops.map((shop) => shop.orders.length));
  const queue = Array.from({ length: longest }, (_, i) =>
    shops.flatMap((shop) => (shop.orders[i] ? [{ shop, order: shop.orders[i] }] : [])),
  ).flat();
  const started = performance.now();
  const answers: Promise<Sent>[] = [];
  for (const [index, { shop, order }] of queue.entries()) {
    // Pacing of the stream, not a wait for a condition.
    await sleep(Math.max(0, started + (index * 1000) / perSecond - performance.now()));
    answers.push(
      stack.trigger(shop.tenant, order.id, 'new').then(
        (answer) => ({ shop, order, status: answer.status }),
        () => ({ shop, order, status: 'error' as const }),
      ),
    );
  }
  return Promise.all(answers);
}

export const isAccepted = ({ status }: Sent): boolean => status === 202;

/** The LIFE POS sales of the order (by the `meta` the export writes): exactly one once exported. */
export function salesOf(stack: Stack, { shop, order }: Pick<Sent, 'shop' | 'order'>): number {
  return stack.sandbox.lifepos
    .sales(shop.tenant.orgId)
    .filter(({ sale }) => sale.meta === saleMetaFor(order.id)).length;
}

export function incidentsOf(stack: Stack, shop: Shop): Promise<Incident[]> {
  return stack.db.prisma.incident.findMany({ where: { connectionId: shop.connectionId } });
}

/** The RetailCRM tasks of the shop's account. */
export function tasksOf(stack: Stack, shop: Shop): Array<Record<string, unknown>> {
  return stack.sandbox.retailcrm.tasks(shop.tenant.accountCode);
}

/** The orders an incident lists. */
export function listedOrders(subjects: readonly IncidentSubject[]): number[] {
  return subjects.flatMap((subject) => (subject.retailcrmOrderId === null ? [] : [subject.retailcrmOrderId]));
}

/**
 * Waits until the shop has exactly one incident, of the `outage`, listing every order of `accepted` and no
 * other order; `ready` may ask more of it and its subjects (e.g. that its tasks could not be created).
 */
export function oneOutageIncident(
  stack: Stack,
  shop: Shop,
  outage: string,
  accepted: readonly Sent[],
  ready: (incident: Incident, subjects: IncidentSubject[]) => boolean = () => true,
): Promise<Incident> {
  const expected = accepted.filter((sent) => sent.shop === shop).map((sent) => sent.order.id);
  return waitFor(
    async () => {
      const [only, ...more] = await incidentsOf(stack, shop);
      if (!only || more.length > 0 || only.outage !== outage) return undefined;
      const subjects = await stack.db.incidents.subjects(only.id);
      const listed = new Set(listedOrders(subjects));
      const allListed = expected.every((id) => listed.has(id)) && listed.size === expected.length;
      return allListed && ready(only, subjects) ? only : undefined;
    },
    { what: `one ${outage} incident of the shop listing its ${expected.length} orders`, timeoutMs: 60_000 },
  );
}

/** Waits until the incident is resolved and its RetailCRM tasks completed. */
export function resolvedWithTasksCompleted(stack: Stack, incident: Incident): Promise<Incident> {
  return waitFor(
    async () => {
      const now = await stack.db.incidents.get(incident.id);
      return now?.status === 'resolved' && now.tasksCompletedAt ? now : undefined;
    },
    { what: 'the incident resolved and its tasks completed', timeoutMs: 90_000, intervalMs: 250 },
  );
}

/** A wait whose failure is collected (to be checked after the counts are printed) instead of thrown. */
export async function collect(problems: string[], wait: Promise<unknown>): Promise<void> {
  await wait.catch((error: Error) => problems.push(error.message));
}
