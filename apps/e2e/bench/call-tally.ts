// Counts the upstream calls the simulators answered, per account, from the sandbox's request log (which
// itself keeps only the newest few thousand entries).
import type { LoggedRequest } from '@connector/sandbox';

export interface AccountCalls {
  system: LoggedRequest['system'];
  /** RetailCRM account code or LIFE POS organization guid. */
  account: string;
  total: number;
  /** Refused by the simulated rate limit: RetailCRM 503/429, LIFE POS 429. */
  rejected: number;
  /** Answered, not refused. */
  accepted: number;
  /** RetailCRM: reads of one order (`GET /api/v5/orders/{id}`), the export's and the write-back's. */
  orderReads: number;
  /**
   * LIFE POS: calls about sales (create, read, list, their money documents); the rest is a tenant's set-up
   * (sign-in aside): outlets and legal entities of the store sync, its own employee, units of measure.
   */
  saleCalls: number;
  /** Time (ms since epoch) of the first and last accepted call. */
  firstAt: number;
  lastAt: number;
  /** Arrival times of the accepted calls (ms since epoch), when the log gives them. */
  arrivals: number[];
  /** The refused calls: what was called and when it arrived (ms since epoch). */
  refusals: { method: string; path: string; at: number }[];
}

/** A logged request; `arrivedAt` when it comes from the sandbox's own process (see sandbox-process.ts). */
export type TalliedRequest = Pick<LoggedRequest, 'system' | 'tenant' | 'method' | 'path' | 'status'> & {
  arrivedAt?: number;
};

const ORDER_READ = /\/api\/v5\/orders\/[^/]+$/;
const SALE_CALL = /\/deals\/sales(\/|$)/;

export function isRateLimitRejection(entry: Pick<TalliedRequest, 'system' | 'status'>): boolean {
  return entry.system === 'retailcrm' ? entry.status === 503 || entry.status === 429 : entry.status === 429;
}

export class CallTally {
  private readonly accounts = new Map<string, AccountCalls>();
  /** LIFE POS sign-ins (no organization in the path). */
  signIns = 0;

  record(entry: TalliedRequest): void {
    if (entry.tenant === undefined) {
      if (entry.system === 'lifepos') this.signIns += 1;
      return;
    }
    const key = `${entry.system}:${entry.tenant}`;
    let account = this.accounts.get(key);
    if (!account) {
      account = {
        system: entry.system,
        account: entry.tenant,
        total: 0,
        rejected: 0,
        accepted: 0,
        orderReads: 0,
        saleCalls: 0,
        firstAt: Number.NaN,
        lastAt: Number.NaN,
        arrivals: [],
        refusals: [],
      };
      this.accounts.set(key, account);
    }
    account.total += 1;
    if (entry.system === 'retailcrm' && entry.method === 'GET' && ORDER_READ.test(entry.path)) {
      account.orderReads += 1;
    }
    if (entry.system === 'lifepos' && SALE_CALL.test(entry.path)) account.saleCalls += 1;
    const now = entry.arrivedAt ?? Date.now();
    if (isRateLimitRejection(entry)) {
      account.rejected += 1;
      account.refusals.push({ method: entry.method, path: entry.path, at: now });
      return;
    }
    account.accepted += 1;
    if (entry.arrivedAt !== undefined) account.arrivals.push(entry.arrivedAt);
    if (Number.isNaN(account.firstAt)) account.firstAt = now;
    account.lastAt = now;
  }

  of(system: LoggedRequest['system'], account: string): AccountCalls {
    return (
      this.accounts.get(`${system}:${account}`) ?? {
        system,
        account,
        total: 0,
        rejected: 0,
        accepted: 0,
        orderReads: 0,
        saleCalls: 0,
        firstAt: Number.NaN,
        lastAt: Number.NaN,
        arrivals: [],
        refusals: [],
      }
    );
  }
}
