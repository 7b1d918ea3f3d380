/**
 * A sliding one-second window: at most `limit` accepted requests in any 1000 ms, so the 11th request within
 * one second is refused (docs/RETAILCRM-API.md, «Rate limits»). Refused requests do not count, so a client
 * that backs off gets through as soon as the window moves.
 */
export class SlidingWindowLimiter {
  private readonly accepted: number[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  tryAcquire(limit: number, windowMs = 1_000): boolean {
    const now = this.now();
    while (this.accepted.length > 0 && (this.accepted[0] ?? 0) <= now - windowMs) this.accepted.shift();
    if (this.accepted.length >= limit) return false;
    this.accepted.push(now);
    return true;
  }

  reset(): void {
    this.accepted.length = 0;
  }
}
