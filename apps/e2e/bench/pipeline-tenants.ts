// The pipeline benchmark's shops: connecting a tenant as the console does (the connection, then its
// activation sync), the chain of tenants with their orders, and their triggers posted to the ingress.
import { setTimeout as sleep } from 'node:timers/promises';
import { TRIGGER_PATH } from '@connector/ingress';
import type { Producer } from '@connector/queue';
import { requestConnectionSync } from '@connector/sync';
import type { ProcessStack } from '../faults/process-stack.js';
import type { PipelineSizes } from './bench-options.js';
import type { AccountCalls, CallTally } from './call-tally.js';
import type { RemoteSandbox, RemoteTenant } from './remote-sandbox.js';
import { round, sum } from './stats.js';

/** What every step of the pipeline benchmark works with. */
export interface PipelineBench {
  sizes: PipelineSizes;
  log: (line: string) => void;
  remote: RemoteSandbox;
  stack: ProcessStack;
  tally: CallTally;
}

export interface Shop {
  tenant: RemoteTenant;
  orderIds: number[];
  big: boolean;
  /** Its LIFE POS calls by the end of its activation (the store sync when the connection is saved). */
  activationCalls: number;
  doneAt?: number;
  /** Its calls when its last order was exported: later ones (the periodic store sync) are not export work. */
  callsWhenDone?: { rc: AccountCalls; lp: AccountCalls };
}

export const seconds = (ms: number) => `${round(ms / 1000, 1)} s`;

/**
 * What the console's activation of a connection does before its shop's first trigger: the store sync
 * (outlets by INN, and the LIFE POS sign-in whose token the export worker then shares). Done when the
 * shop's store has its outlet.
 */
async function activate(
  stack: ProcessStack,
  producer: Producer,
  connectionId: string,
  storeCode: string,
  deadline: number,
): Promise<void> {
  await requestConnectionSync(producer, connectionId);
  while (!(await stack.db.outletLinks.get(connectionId, storeCode))) {
    if (Date.now() > deadline)
      throw new Error(`the activation sync of ${connectionId} did not finish in time`);
    await sleep(20);
  }
}

export type ConnectTenant = () => Promise<{
  tenant: RemoteTenant;
  connectionId: string;
  activationCalls: number;
}>;

/**
 * Seeds a tenant in the simulators with the benchmark's latency and limits, saves its connection (the
 * same limits in its settings) and activates it.
 */
export async function tenantConnector(bench: PipelineBench): Promise<ConnectTenant> {
  const { sizes, remote, stack, tally } = bench;
  const tenantOptions = {
    sites: 1 as const,
    retailcrm: { latencyMs: sizes.latencyMs, rateLimit: { perSecond: sizes.retailcrmPerSecond } },
    lifepos: { rateLimit: { perSecond: sizes.lifeposPerSecond } },
  };
  const rateLimits = {
    retailcrmPerSecond: sizes.retailcrmPerSecond,
    lifeposPerSecond: sizes.lifeposPerSecond,
  };
  const activations = await stack.producer();
  const ingressUrl = `${stack.ingress.url}${TRIGGER_PATH}`;
  return async () => {
    const tenant = await remote.seed({ ingressUrl, ...tenantOptions });
    const connection = await stack.db.connections.create({
      ...tenant.connection,
      settings: { ...tenant.connection.settings, rateLimits },
      status: 'active',
    });
    await activate(stack, activations, connection.id, tenant.stores[0]!.code, Date.now() + 60_000);
    // Its activation's calls (the store sync) are the connection's, not its orders': counted apart.
    await sleep(300);
    const activationCalls = tally.of('lifepos', tenant.orgId).total;
    return { tenant, connectionId: connection.id, activationCalls };
  };
}

/**
 * The chain: `smallTenants` tenants of ordinary size, then the big one, each connected and its orders
 * created in the RetailCRM simulator; each added to `shops` as soon as it is connected. Returns the
 * number of orders.
 */
export async function setUpTenants(
  bench: PipelineBench,
  connect: ConnectTenant,
  shops: Shop[],
): Promise<number> {
  const { sizes, remote } = bench;
  for (let t = 0; t <= sizes.smallTenants; t += 1) {
    const big = t === sizes.smallTenants;
    const { tenant, activationCalls } = await connect();
    const count = big ? sizes.bigTenantOrders : sizes.ordersPerSmallTenant;
    const orderIds = (await remote.call('createOrders', tenant.orgId, count)) as number[];
    shops.push({ tenant, orderIds, big, activationCalls });
  }
  const totalOrders = sum(shops.map((shop) => shop.orderIds.length));
  bench.log(`  ${shops.length} tenants, ${totalOrders} orders created in the RetailCRM simulator`);
  return totalOrders;
}

export interface PostedTriggers {
  posted: number;
  /** Statuses of the triggers not answered 202. */
  refused: number[];
  /** When the first trigger was posted (ms since epoch), and how long posting them all took. */
  started: number;
  enqueuedMs: number;
}

/** Interleaved, as a chain's triggers arrive: the next order of every tenant that has one left. */
function interleavedTriggers(shops: readonly Shop[], totalOrders: number) {
  const triggers: { tenant: RemoteTenant; orderId: number }[] = [];
  for (let i = 0; triggers.length < totalOrders; i += 1) {
    for (const shop of shops) {
      const orderId = shop.orderIds[i];
      if (orderId !== undefined) triggers.push({ tenant: shop.tenant, orderId });
    }
  }
  return triggers;
}

/** Posts every order's trigger to the ingress, `triggerConcurrency` at a time. */
export async function postTriggers(
  bench: PipelineBench,
  shops: readonly Shop[],
  totalOrders: number,
): Promise<PostedTriggers> {
  const { sizes, stack } = bench;
  const triggers = interleavedTriggers(shops, totalOrders);
  const started = Date.now();
  const refused: number[] = [];
  let next = 0;
  const sendTriggers = async () => {
    while (next < triggers.length) {
      const { tenant, orderId } = triggers[next++]!;
      const answer = await stack.trigger(tenant, orderId);
      await answer.body?.cancel();
      if (answer.status !== 202) refused.push(answer.status);
    }
  };
  await Promise.all(Array.from({ length: sizes.triggerConcurrency }, sendTriggers));
  const enqueuedMs = Date.now() - started;
  bench.log(
    `  ${triggers.length} triggers posted in ${seconds(enqueuedMs)} (${refused.length} not answered 202)`,
  );
  return { posted: triggers.length, refused, started, enqueuedMs };
}
