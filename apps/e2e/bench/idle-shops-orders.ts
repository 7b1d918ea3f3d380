// The few active shops among the idle ones: an order about every minute each, timed from its trigger to the
// sale in the LIFE POS simulator.
import { setTimeout as sleep } from 'node:timers/promises';
import type { IdleStack } from './idle-shops-stack.js';
import type { RemoteSandbox } from './remote-sandbox.js';
import type { LeanTenant } from './sandbox-process.js';

/** Waits for sales to appear in LIFE POS: one poll of the simulator for every order in flight. */
export class SaleWatch {
  private readonly pending = new Map<string, { count: number; resolve: () => void }>();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly remote: RemoteSandbox) {}

  async salesOf(orgId: string): Promise<number> {
    return ((await this.remote.call('salesCount', [orgId])) as number[])[0] ?? 0;
  }

  /** Resolves once the organization holds more than `count` sales. */
  next(orgId: string, count: number): Promise<void> {
    const done = new Promise<void>((resolve) => this.pending.set(orgId, { count, resolve }));
    this.timer ??= setInterval(() => void this.poll(), 100);
    return done;
  }

  forget(orgId: string): void {
    this.pending.delete(orgId);
  }

  private polling = false;
  private async poll(): Promise<void> {
    if (this.polling || this.pending.size === 0) return;
    this.polling = true;
    try {
      const orgIds = [...this.pending.keys()];
      const counts = (await this.remote.call('salesCount', orgIds)) as number[];
      orgIds.forEach((orgId, index) => {
        const waiting = this.pending.get(orgId);
        if (waiting && (counts[index] ?? 0) > waiting.count) {
          this.pending.delete(orgId);
          waiting.resolve();
        }
      });
    } finally {
      this.polling = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface OrderLatencies {
  first: number[];
  later: number[];
  /** Orders whose sale did not appear within a minute. */
  lost: number;
  refused: number;
}

/** One active shop: an order about every minute, each awaited (trigger → sale exists). */
export async function driveActiveShop(
  stack: IdleStack,
  watch: SaleWatch,
  tenant: LeanTenant,
  delayMs: number,
  until: number,
  latencies: OrderLatencies,
): Promise<void> {
  await sleep(delayMs);
  let first = true;
  while (Date.now() < until) {
    const slotStarted = Date.now();
    const [orderId] = (await stack.remote.call('createOrders', tenant.orgId, 1)) as [number];
    const before = await watch.salesOf(tenant.orgId);
    const started = performance.now();
    const exported = watch.next(tenant.orgId, before);
    const answer = await fetch(stack.ingressUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: tenant.orgId, order_id: String(orderId), status: 'new' }),
      signal: AbortSignal.timeout(15_000),
    });
    await answer.body?.cancel();
    if (answer.status !== 202) latencies.refused += 1;
    const outcome = await Promise.race([exported.then(() => 'sale'), sleep(60_000).then(() => 'late')]);
    if (outcome === 'sale') (first ? latencies.first : latencies.later).push(performance.now() - started);
    else {
      watch.forget(tenant.orgId);
      latencies.lost += 1;
    }
    first = false;
    await sleep(Math.max(0, 60_000 - (Date.now() - slotStarted)));
  }
}
