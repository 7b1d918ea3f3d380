// Delivery delay of rate-limited calls: the time from the slot the limiter granted a call (on the Redis
// clock, read from the limiter's own sorted set) to the call's arrival at the simulator (its own process,
// the same host clock). The jitter guard (measured by the processes, shared in Redis) must cover how much
// later one call can arrive after its slot than another: the spread of these delays. The watch also samples
// that shared guard at each poll.
import type { Redis } from 'ioredis';

interface Grant {
  slotMs: number;
  /** Last time a poll saw it in the set. */
  seenAt: number;
}

export interface DelayStats {
  matched: number;
  grants: number;
  arrivals: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  min: number;
}

/**
 * Polls the limiter's sorted set of each key every `everyMs` (well under its window, so no grant expires
 * unseen). A member that leaves the set before its window has passed was a reservation given back
 * (RateBucket.spend): no call was made for it, and it is dropped.
 */
export function watchGrants(
  redis: Redis,
  keys: () => string[],
  { windowMs, guardKey, everyMs = 200 }: { windowMs: number; guardKey: string; everyMs?: number },
) {
  const byKey = new Map<string, Map<string, Grant>>();
  const guards: number[] = [];
  let stopped = false;
  const poll = async () => {
    const guard = await redis.hget(guardKey, 'ms');
    if (guard !== null) guards.push(Number(guard));
    for (const key of keys()) {
      const now = Date.now();
      const reply = await redis.zrange(key, '0', '-1', 'WITHSCORES');
      let grants = byKey.get(key);
      if (!grants) {
        grants = new Map();
        byKey.set(key, grants);
      }
      const present = new Set<string>();
      for (let i = 0; i < reply.length; i += 2) {
        const member = reply[i]!;
        present.add(member);
        grants.set(member, { slotMs: Number(reply[i + 1]) / 1000, seenAt: now });
      }
      for (const [member, grant] of grants) {
        const expired = grant.slotMs + windowMs <= now + everyMs;
        if (!present.has(member) && !expired) grants.delete(member);
      }
    }
  };
  const timer = setInterval(() => {
    if (!stopped) void poll().catch(() => {});
  }, everyMs);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      return poll().catch(() => {});
    },
    /** The shared jitter guard (ms) at each poll once a process had published one. */
    guards(): readonly number[] {
      return guards;
    },
    /** Grant slots of one key (ms since the epoch), sorted. */
    slots(key: string): number[] {
      return [...(byKey.get(key)?.values() ?? [])].map((grant) => grant.slotMs).sort((a, b) => a - b);
    },
  };
}

/**
 * Matches each arrival with the latest grant not after it (less `skewMs` for the two clocks' reads) that
 * no earlier arrival took, and returns the delays arrival − slot. Grants are spaced far wider than the
 * delays, so the order is kept and the match is the call's own grant.
 */
export function deliveryDelays(slots: readonly number[], arrivals: readonly number[], skewMs = 5): number[] {
  const sortedArrivals = [...arrivals].sort((a, b) => a - b);
  const delays: number[] = [];
  let next = 0;
  for (const arrival of sortedArrivals) {
    let match = -1;
    while (next < slots.length && slots[next]! <= arrival + skewMs) {
      match = next;
      next += 1;
    }
    if (match >= 0) {
      // Grants skipped over had no arrival (their calls failed before reaching the simulator).
      delays.push(arrival - slots[match]!);
    }
  }
  return delays;
}

export function delayStats(delays: readonly number[], grants: number, arrivals: number): DelayStats {
  const sorted = [...delays].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return {
    matched: sorted.length,
    grants,
    arrivals,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: sorted.at(-1) ?? Number.NaN,
    min: sorted[0] ?? Number.NaN,
  };
}

/**
 * Why an upstream second was full when a call was refused at `at`: each accepted arrival of the second before
 * it, as ms before the refusal, with how late it arrived after the latest grant slot not after it.
 */
export function refusalWindow(
  slots: readonly number[],
  arrivals: readonly number[],
  at: number,
  skewMs = 5,
): string {
  const before = arrivals.filter((arrival) => arrival > at - 1_000 && arrival <= at).sort((a, b) => a - b);
  const lateness = (arrival: number) => {
    const slot = slots.filter((s) => s <= arrival + skewMs).at(-1);
    return slot === undefined ? 'no slot' : `${Math.round(arrival - slot)} ms after its slot`;
  };
  return before.map((arrival) => `−${Math.round(at - arrival)} ms (${lateness(arrival)})`).join(', ');
}
