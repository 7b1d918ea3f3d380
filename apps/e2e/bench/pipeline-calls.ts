// The pipeline benchmark's count of upstream calls once the run is over: per tenant while its orders were
// exported, against the ideal its limits allow, per exported order, and how late each LIFE POS call
// arrived after the limiter granted it.
import type { PipelineSizes } from './bench-options.js';
import type { AccountCalls, CallTally } from './call-tally.js';
import {
  type DelayStats,
  delayStats,
  deliveryDelays,
  refusalWindow,
  type watchGrants,
} from './grant-watch.js';
import type { Shop } from './pipeline-tenants.js';
import { round, sum } from './stats.js';

/** A tenant's calls while its orders were exported (all of them if it never finished). */
export interface Account {
  shop: Shop;
  rc: AccountCalls;
  lp: AccountCalls;
}

export function utilisation(calls: AccountCalls, perSecond: number): number {
  const windowS = (calls.lastAt - calls.firstAt) / 1000;
  return windowS > 0 ? calls.accepted / (perSecond * windowS) : Number.NaN;
}

export const pct = (value: number) => (Number.isNaN(value) ? 'n/a' : `${round(value * 100, 1)} %`);

export interface CallCounts {
  accounts: Account[];
  smallAccounts: Account[];
  bigAccount: Account;
  /** Calls after a tenant's last export (the periodic store sync). */
  laterCalls: number;
  rejections: number;
  /** The busiest account's accepted calls at its allowed rate; the same at 1 + 1 calls per big-tenant order. */
  idealMs: number;
  minimalIdealMs: number;
  callsOf(list: readonly Account[]): number;
  ordersOf(list: readonly Account[]): number;
  perOrder(
    list: readonly Account[],
    system: 'rc' | 'lp',
    field: 'orderReads' | 'saleCalls' | 'total',
  ): number;
  lpAfterActivation(list: readonly Account[]): number;
  callsPerOrder: number;
  bigCallsPerOrder: number;
  smallCallsPerOrder: number;
  smallLpUtil: number[];
  bigLpUtil: number;
}

function callsAfterDone(tally: CallTally, shops: readonly Shop[]): number {
  return sum(
    shops.map((shop) =>
      shop.callsWhenDone
        ? tally.of('retailcrm', shop.tenant.accountCode).total +
          tally.of('lifepos', shop.tenant.orgId).total -
          shop.callsWhenDone.rc.total -
          shop.callsWhenDone.lp.total
        : 0,
    ),
  );
}

export function countCalls(
  sizes: PipelineSizes,
  tally: CallTally,
  shops: readonly Shop[],
  exported: (shop: Shop) => number,
  exportedOrders: number,
): CallCounts {
  const accounts = shops.map((shop) => ({
    shop,
    rc: shop.callsWhenDone?.rc ?? tally.of('retailcrm', shop.tenant.accountCode),
    lp: shop.callsWhenDone?.lp ?? tally.of('lifepos', shop.tenant.orgId),
  }));
  const idealMs =
    1000 *
    Math.max(
      ...accounts.map(({ rc, lp }) =>
        Math.max(rc.accepted / sizes.retailcrmPerSecond, lp.accepted / sizes.lifeposPerSecond),
      ),
    );
  // The fewest calls an export of a new order makes: read the order (RetailCRM), create its sale (LIFE POS).
  const minimalIdealMs =
    1000 * sizes.bigTenantOrders * Math.max(1 / sizes.retailcrmPerSecond, 1 / sizes.lifeposPerSecond);
  const callsOf = (list: readonly Account[]) => sum(list.map(({ rc, lp }) => rc.total + lp.total));
  const ordersOf = (list: readonly Account[]) =>
    sum(list.map(({ shop }) => Math.min(exported(shop), shop.orderIds.length)));
  const smallAccounts = accounts.filter(({ shop }) => !shop.big);
  const bigAccount = accounts.find(({ shop }) => shop.big)!;
  return {
    accounts,
    smallAccounts,
    bigAccount,
    laterCalls: callsAfterDone(tally, shops),
    rejections: sum(accounts.map(({ rc, lp }) => rc.rejected + lp.rejected)),
    idealMs,
    minimalIdealMs,
    callsOf,
    ordersOf,
    perOrder: (list, system, field) =>
      sum(list.map((account) => account[system][field])) / Math.max(1, ordersOf(list)),
    lpAfterActivation: (list) => sum(list.map(({ shop, lp }) => lp.total - shop.activationCalls)),
    callsPerOrder: (callsOf(accounts) + tally.signIns) / Math.max(1, exportedOrders),
    bigCallsPerOrder: callsOf([bigAccount]) / Math.max(1, ordersOf([bigAccount])),
    smallCallsPerOrder: callsOf(smallAccounts) / Math.max(1, ordersOf(smallAccounts)),
    smallLpUtil: smallAccounts.map(({ lp }) => utilisation(lp, sizes.lifeposPerSecond)),
    bigLpUtil: utilisation(bigAccount.lp, sizes.lifeposPerSecond),
  };
}

export interface Delivery {
  delay: DelayStats;
  /** The tightest span of limit + 1 arrivals of one organization (≥ 1 s: no 429). */
  tightest: number;
  /** The shared jitter guard sampled during the run (ms), sorted; empty: none was measured. */
  guards: readonly number[];
  /** For each refused LIFE POS call (by arrival time): the accepted arrivals of the second before it. */
  refusalWindows: ReadonlyMap<number, string>;
}

/** Grant → arrival of every LIFE POS call, and the tightest span of limit + 1 arrivals. */
export function measureDelivery(
  sizes: PipelineSizes,
  accounts: readonly Account[],
  grants: ReturnType<typeof watchGrants>,
  lifeposKey: (orgId: string) => string,
): Delivery {
  const delays = accounts.flatMap(({ shop, lp }) =>
    deliveryDelays(grants.slots(lifeposKey(shop.tenant.orgId)), lp.arrivals),
  );
  const delay = delayStats(
    delays,
    sum(accounts.map(({ shop }) => grants.slots(lifeposKey(shop.tenant.orgId)).length)),
    sum(accounts.map(({ lp }) => lp.arrivals.length)),
  );
  const tightest = Math.min(
    ...accounts.map(({ lp }) => {
      const sorted = [...lp.arrivals].sort((a, b) => a - b);
      let min = Number.POSITIVE_INFINITY;
      for (let k = 0; k + sizes.lifeposPerSecond < sorted.length; k += 1) {
        min = Math.min(min, sorted[k + sizes.lifeposPerSecond]! - sorted[k]!);
      }
      return min;
    }),
  );
  const refusalWindows = new Map(
    accounts.flatMap(({ shop, lp }) =>
      lp.refusals.map(({ at }) => {
        const slots = grants.slots(lifeposKey(shop.tenant.orgId));
        return [at, refusalWindow(slots, lp.arrivals, at)] as const;
      }),
    ),
  );
  return { delay, tightest, guards: [...grants.guards()].sort((a, b) => a - b), refusalWindows };
}
