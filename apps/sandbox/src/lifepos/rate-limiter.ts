/**
 * docs/LIFEPOS-API.md, «HTTP statuses and rate limit» [V1]: LIFE POS has a per-second request limit whose
 * value is undocumented (G-4). The simulator keeps a sliding one-second window per organization; the limit
 * and an on/off switch are set per org.
 */

export interface RateLimitSettings {
  enabled: boolean;
  /** Requests allowed in any one-second window. */
  perSecond: number;
  /** Send `Retry-After: 1` on 429 (undocumented whether the real API does: off by default). */
  retryAfterHeader: boolean;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = {
  enabled: true,
  perSecond: 20,
  retryAfterHeader: false,
};

export class PerSecondLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records a request for `key` and says whether it fits into the current window. */
  tryAcquire(key: string, perSecond: number): boolean {
    const now = this.now();
    const window = (this.windows.get(key) ?? []).filter((at) => at > now - 1_000);
    const allowed = window.length < perSecond;
    if (allowed) window.push(now);
    this.windows.set(key, window);
    return allowed;
  }

  reset(key?: string): void {
    if (key === undefined) this.windows.clear();
    else this.windows.delete(key);
  }
}
