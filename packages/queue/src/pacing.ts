import type { Redis } from 'ioredis';
import { jitterGuardKey, luaReadPaceGuard } from './jitter-guard.js';
import { luaScript } from './lua-script.js';

/**
 * Fairness between tenants on a shared queue. BullMQ's waiting list is one FIFO for every tenant: a shop
 * that posts 5,000 orders at once would put every later shop's order behind all of them, although the
 * big shop's upstream limits let its jobs run only a few per second. Pacing gives each job of a tenant
 * the next free start slot of that tenant (spaced by what its limits allow) and adds it delayed until
 * then. The waiting list then only holds jobs that can run now — at most a tenant's rate from each
 * tenant — and a new shop's first order starts behind a handful of jobs, not behind a backlog.
 */
export interface Pace {
  /** The tenant's pacing key (see `orderExportPace`). */
  key: string;
  /**
   * Start-to-start spacing of the tenant's jobs at a one-second window, in milliseconds; the pacer
   * stretches it as the rate limiter stretches its window, by the measured jitter guard followed slowly
   * (the `pace` of jitter-guard.ts).
   */
  intervalMs: number;
  /**
   * Background work (see `backgroundPace`): slots of a lane of its own that start only after the tenant's
   * live slots (the same `key`'s), which never wait for it.
   */
  background?: boolean;
}

export interface PaceSlot {
  /** Wait this long before starting (0: the tenant has no backlog). */
  delayMs: number;
  /** Identifies the slot for `release`. */
  slotEndMs: number;
  /** The slot's length: the pace's interval stretched by the guard then in force. */
  intervalMs: number;
}

export interface Pacer {
  /** Takes the tenant's next start slot. */
  reserve(pace: Pace): Promise<PaceSlot>;
  /** Gives a slot back when no job used it (the add merged into a pending job), if it is still the last. */
  release(pace: Pace, slot: PaceSlot): Promise<void>;
}

/*
 * The key holds the end of the tenant's last reserved slot on the Redis clock (ms). A slot starts at
 * max(now, that end); the key expires when the tenant's backlog has run out, so an idle tenant starts
 * at once. Both commands are single scripts, atomic among every ingress and worker process. A slot is
 * ARGV[1] × (1000 + guard) / 1000 long, the guard read from the pacer's slow follower of the limiter's
 * shared estimate (the last key).
 */
const stretchedInterval = `${luaReadPaceGuard(2)}
   local interval = math.ceil(tonumber(ARGV[1]) * (1000 + guard) / 1000)`;

const reserveScript = luaScript(
  `local t = redis.call('TIME')
   local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
   ${stretchedInterval}
   local last = tonumber(redis.call('GET', KEYS[1]) or '0')
   local start = math.max(now, last)
   local finish = start + interval
   redis.call('SET', KEYS[1], string.format('%.0f', finish), 'PX', finish - now + 1000)
   return {start - now, string.format('%.0f', finish), interval}`,
  2,
);

const releaseScript = luaScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then
     local back = tonumber(ARGV[1]) - tonumber(ARGV[2])
     redis.call('SET', KEYS[1], string.format('%.0f', back), 'KEEPTTL')
     return 1
   end
   return 0`,
  1,
);

/*
 * A background slot starts after the end of the tenant's last live slot (KEYS[1]) and of its last
 * background slot (KEYS[3]); only KEYS[3] moves. Live reservations never read KEYS[3].
 */
const reserveBackgroundScript = luaScript(
  `local t = redis.call('TIME')
   local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
   ${stretchedInterval}
   local live = tonumber(redis.call('GET', KEYS[1]) or '0')
   local last = tonumber(redis.call('GET', KEYS[3]) or '0')
   local start = math.max(now, live, last)
   local finish = start + interval
   redis.call('SET', KEYS[3], string.format('%.0f', finish), 'PX', finish - now + 1000)
   return {start - now, string.format('%.0f', finish), interval}`,
  3,
);

export function createPacer(redis: Redis, prefix: string): Pacer {
  const keyOf = (pace: Pace) => `${prefix}:pace:${pace.key}`;
  const laneOf = (pace: Pace) => (pace.background ? `${keyOf(pace)}:background` : keyOf(pace));
  const guardKey = jitterGuardKey(prefix);
  return {
    async reserve(pace) {
      if (!(pace.intervalMs > 0) || !Number.isFinite(pace.intervalMs)) {
        throw new Error(`pace interval for ${pace.key} must be a positive number, got ${pace.intervalMs}`);
      }
      const args = [pace.intervalMs];
      const [delay, end, interval] = (
        pace.background
          ? await reserveBackgroundScript(redis, [keyOf(pace), guardKey, laneOf(pace)], args)
          : await reserveScript(redis, [keyOf(pace), guardKey], args)
      ) as [number, string, number];
      return { delayMs: delay, slotEndMs: Number(end), intervalMs: interval };
    },
    async release(pace, slot) {
      await releaseScript(redis, [laneOf(pace)], [String(slot.slotEndMs), slot.intervalMs]);
    },
  };
}

/**
 * The pace of background work (reconciliation) beside `live` work of the same tenant: the background
 * lane starts only once the live backlog has run out, never holds a live job back (live slots ignore it),
 * and its slots are spaced `1 / share` times wider, so at most `share` of the tenant's rate goes to it and
 * the rest stays free for live jobs (triggers) arriving meanwhile.
 */
export function backgroundPace(live: Pace, share = 0.5): Pace {
  if (!(share > 0 && share <= 1)) throw new Error(`background share must be in (0, 1], got ${share}`);
  return { key: live.key, intervalMs: live.intervalMs / share, background: true };
}

/**
 * 1 % under the buckets' rate: the same buckets serve the tenant's other calls too (store sync, the
 * refresh of cached look-ups, write-backs). Paced at exactly the rate, every such call would add to a
 * wait that never shrinks again, until jobs wait past the limiter's maxWait and are deferred.
 */
export const PACE_SLACK = 1.01;

/** The key of a connection's export pace (`orderExportPace`). */
export function exportPaceKey(connectionId: string): string {
  return `order-export:${connectionId}`;
}

/**
 * How an `order-export` job of a connection is paced: an export of a never-linked order makes one
 * RetailCRM call (read the order) and one LIFE POS call (create the sale), so the tenant's jobs can start
 * as often as the slower of its two rate buckets grants a call, and a little slack (PACE_SLACK). The
 * limiter's jitter guard makes a bucket of N per second grant N per (1 s + guard): the pacer stretches the
 * interval by the same measured guard, followed slowly.
 */
export function orderExportPace(
  connectionId: string,
  limits: { retailcrmPerSecond: number; lifeposPerSecond: number },
): Pace {
  return {
    key: exportPaceKey(connectionId),
    intervalMs: PACE_SLACK * Math.max(1_000 / limits.retailcrmPerSecond, 1_000 / limits.lifeposPerSecond),
  };
}
