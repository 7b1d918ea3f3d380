// The sandbox simulators in a process of their own, for the benchmarks: the simulated RetailCRM and LIFE
// POS count a request's arrival on their own event loop, as real servers do, instead of on the loop that
// also runs the benchmark's ingress, sync worker and call tally. The benchmark drives it over IPC
// (remote-sandbox.ts); the request log comes back in batches.
import { type Sandbox, seedTenant, startTestSandbox, type Tenant } from '@connector/testkit';

export type RemoteCall =
  | { op: 'seed'; args: [options: Parameters<typeof seedTenant>[1]] }
  | { op: 'seedMany'; args: [count: number, options: Parameters<typeof seedTenant>[1]] }
  | { op: 'createOrders'; args: [orgId: string, count: number] }
  | { op: 'salesCount'; args: [orgIds: string[]] }
  | { op: 'saleOf'; args: [orgId: string, meta: string] }
  | { op: 'addFault'; args: [fault: Parameters<Sandbox['faults']['add']>[0]] }
  | { op: 'takePayment'; args: [orgId: string, saleGuid: string, amounts: { cash?: number; card?: number }] }
  | { op: 'paymentsOf'; args: [orders: Array<[accountCode: string, orderId: number]>] }
  | {
      op: 'configureNotifications';
      args: [settings: Parameters<Sandbox['lifepos']['configureNotifications']>[0]];
    }
  | { op: 'subscribed'; args: [orgId: string, url: string] }
  | { op: 'deliveries'; args: [sinceMs: number] };

/** The notifications the LIFE POS simulator sent since a moment: how long each took to be accepted. */
export interface DeliverySummary {
  sent: number;
  /** Delivered at the first attempt / after retries / not (yet) delivered. */
  firstAttempt: number;
  retried: number;
  undelivered: number;
  /** Created → accepted by the receiver (ms), of the delivered ones. */
  acceptedMs: number[];
  /** Duration of single POSTs to the receiver (ms). */
  postMs: number[];
}

/** A tenant of `seedMany`: only what a connection and its triggers need (thousands cross the boundary). */
export interface LeanTenant {
  orgId: string;
  accountCode: string;
  storeCode: string;
  connection: Tenant['connection'];
}

/** One logged request as it crosses the process boundary: its arrival, not its finish. */
export interface RemoteLogEntry {
  system: 'retailcrm' | 'lifepos';
  tenant: string | undefined;
  method: string;
  path: string;
  status: number;
  /** Arrival at the simulator, ms since the epoch (finish time less the time it took). */
  arrivedAt: number;
}

export type ChildMessage =
  | { type: 'ready'; lifeposUrl: string }
  | { type: 'log'; entries: RemoteLogEntry[] }
  | { type: 'result'; id: number; result?: unknown; error?: string };

function send(message: ChildMessage): void {
  process.send?.(message);
}

const sandbox = await startTestSandbox();
const tenants = new Map<string, Tenant>();
let pending: RemoteLogEntry[] = [];
sandbox.requestLog.subscribe((entry) => {
  pending.push({
    system: entry.system,
    tenant: entry.tenant,
    method: entry.method,
    path: entry.path,
    status: entry.status,
    arrivedAt: Date.parse(entry.at) - entry.durationMs,
  });
});
setInterval(() => {
  if (pending.length === 0) return;
  send({ type: 'log', entries: pending });
  pending = [];
}, 100);

function tenantOf(orgId: string): Tenant {
  const tenant = tenants.get(orgId);
  if (!tenant) throw new Error(`no tenant ${orgId} in the sandbox process`);
  return tenant;
}

const handlers: { [K in RemoteCall['op']]: (...args: Extract<RemoteCall, { op: K }>['args']) => unknown } = {
  async seed(options) {
    const tenant = await seedTenant(sandbox, options);
    tenants.set(tenant.orgId, tenant);
    const { createOrder: _createOrder, ...data } = tenant;
    return data;
  },
  async seedMany(count, options) {
    const seeded: LeanTenant[] = [];
    for (let i = 0; i < count; i += 1) {
      const tenant = await seedTenant(sandbox, options);
      tenants.set(tenant.orgId, tenant);
      const { orgId, accountCode, connection } = tenant;
      seeded.push({ orgId, accountCode, storeCode: tenant.stores[0]!.code, connection });
    }
    return seeded;
  },
  createOrders(orgId, count) {
    const tenant = tenantOf(orgId);
    return Array.from(
      { length: count },
      () => tenant.createOrder({ store: tenant.stores[0]!.code, status: tenant.statuses.send }).id,
    );
  },
  // From the simulator's store, without the copy `sales()` makes of every sale: polled several times a
  // second, that copying would stall this process and bunch the arrivals it counts.
  salesCount: (orgIds) => orgIds.map((orgId) => sandbox.lifepos.store.org(orgId).sales.size),
  saleOf(orgId, meta) {
    for (const sale of sandbox.lifepos.store.org(orgId).sales.values()) {
      if (sale.meta === meta) return { guid: sale.guid, totalKopecks: sale.total_sum.value };
    }
    return null;
  },
  addFault: (fault) => void sandbox.faults.add(fault),
  takePayment: (orgId, saleGuid, amounts) => sandbox.lifepos.takePayment(orgId, saleGuid, amounts).guid,
  paymentsOf: (orders) =>
    orders.map(([accountCode, orderId]) => {
      const order = sandbox.retailcrm.getOrder(accountCode, orderId) as {
        payments?: Record<string, unknown>;
      };
      return Object.keys(order.payments ?? {}).length;
    }),
  configureNotifications: (settings) => void sandbox.lifepos.configureNotifications(settings),
  deliveries(sinceMs): DeliverySummary {
    const records = sandbox.lifepos
      .deliveries({})
      .filter((record) => Date.parse(record.created_at) >= sinceMs);
    const delivered = records.filter((record) => record.status === 'delivered');
    return {
      sent: records.length,
      firstAttempt: delivered.filter((record) => record.attempts.length === 1).length,
      retried: delivered.filter((record) => record.attempts.length > 1).length,
      undelivered: records.length - delivered.length,
      acceptedMs: delivered.map((record) => Date.parse(record.finished_at!) - Date.parse(record.created_at)),
      postMs: records.flatMap((record) => record.attempts.map((attempt) => attempt.durationMs)),
    };
  },
  subscribed(orgId, url) {
    const service = sandbox.lifepos.subscription(orgId);
    return service?.turned_on === true && service.primary_url_for_notifications === url;
  },
};

process.on('message', (message: RemoteCall & { id: number }) => {
  const handler = handlers[message.op] as (...args: unknown[]) => unknown;
  Promise.resolve()
    .then(() => handler(...message.args))
    .then(
      (result) => send({ type: 'result', id: message.id, result }),
      (error: unknown) => send({ type: 'result', id: message.id, error: String(error) }),
    );
});
process.on('disconnect', () => {
  void sandbox.close().finally(() => process.exit(0));
});
send({ type: 'ready', lifeposUrl: sandbox.lifeposUrl });
