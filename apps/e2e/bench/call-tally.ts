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
  /** Time (ms since epoch) of the first and last accepted call. */
  firstAt: number;
  lastAt: number;
}

export function isRateLimitRejection(entry: Pick<LoggedRequest, 'system' | 'status'>): boolean {
  return entry.system === 'retailcrm' ? entry.status === 503 || entry.status === 429 : entry.status === 429;
}

export class CallTally {
  private readonly accounts = new Map<string, AccountCalls>();
  /** LIFE POS sign-ins (no organization in the path). */
  signIns = 0;

  record(entry: LoggedRequest): void {
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
        firstAt: Number.NaN,
        lastAt: Number.NaN,
      };
      this.accounts.set(key, account);
    }
    account.total += 1;
    if (isRateLimitRejection(entry)) {
      account.rejected += 1;
      return;
    }
    account.accepted += 1;
    const now = Date.now();
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
        firstAt: Number.NaN,
        lastAt: Number.NaN,
      }
    );
  }
}
