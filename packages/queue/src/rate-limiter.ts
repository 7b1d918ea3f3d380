import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeferredError } from '@connector/domain';
import type { Redis } from 'ioredis';
import { createJitterMeter, DEFAULT_JITTER_GUARD_MS, jitterGuardKey, luaReadGuard } from './jitter-guard.js';
import { luaScript } from './lua-script.js';

/** Requests per second per upstream account unless the connection's settings say otherwise. */
export const DEFAULT_RATE_LIMITS = { retailcrm: 10, lifepos: 5 } as const;

export function retailcrmRateKey(host: string): string {
  return `retailcrm:${host.toLowerCase()}`;
}

export function lifeposRateKey(orgId: string): string {
  return `lifepos:${orgId}`;
}

/**
 * The window a bucket's `perSecond` grants fit into: one second plus a guard. Grants are spaced on the
 * Redis clock, but the upstream counts requests when they arrive; a request delayed on the way (event
 * loop, network) can land in the same upstream second as later ones. The guard absorbs that much jitter,
 * so an upstream that allows N requests in any one-second window never sees N + 1. It is measured, not
 * set: the shared estimate of how late calls really leave after their slots (jitter-guard.ts).
 */
export { DEFAULT_JITTER_GUARD_MS } from './jitter-guard.js';

/*
 * Sliding-window log with reservations, on the Redis clock (TIME), in microseconds.
 * The window is 1 s plus the guard: ARGV[2] when not negative (a fixed guard, µs), else the shared
 * measured one (KEYS[2], ms; ARGV[5] while there is none).
 * The sorted set holds the grant times of the last second (and reserved future slots). A new grant
 * goes to the earliest slot s ≥ now that is not earlier than the newest grant and lies more than one
 * window after the `limit`-th newest grant. Every grant therefore has at most limit-1 grants in the
 * window (s-1 s, s] before it, which bounds ANY one-second window to `limit` grants (a token bucket
 * with a full burst would allow ~2× at a window edge).
 * If s is within maxWait the slot is reserved and the caller sleeps until it (told the guard the window
 * had, µs); otherwise nothing is reserved and the caller gets the wait to defer by.
 * Scores are formatted with %.0f: Lua's default number→string conversion keeps 14 digits and would
 * round microsecond timestamps.
 */
const acquireScript = luaScript(
  `local key = KEYS[1]
   local limit = tonumber(ARGV[1])
   local window = tonumber(ARGV[2])
   if window < 0 then
     ${luaReadGuard(2, 'ARGV[5]')}
     window = guard * 1000
   end
   local guardUs = window
   window = 1000000 + window
   local maxWait = tonumber(ARGV[3])
   local t = redis.call('TIME')
   local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
   redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now - window))
   local slot = now
   local count = redis.call('ZCARD', key)
   if count > 0 then
     local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
     slot = math.max(slot, tonumber(newest[2]))
     if count >= limit then
       local nth = redis.call('ZRANGE', key, -limit, -limit, 'WITHSCORES')
       slot = math.max(slot, tonumber(nth[2]) + window)
     end
   end
   local wait = slot - now
   if wait > maxWait then
     return {0, string.format('%.0f', now), string.format('%.0f', wait)}
   end
   redis.call('ZADD', key, string.format('%.0f', slot), ARGV[4])
   redis.call('PEXPIRE', key, math.ceil((wait + window) / 1000) + 1000)
   return {1, string.format('%.0f', now), string.format('%.0f', slot), string.format('%.0f', guardUs)}`,
  2,
);

export interface RateLimiterOptions {
  prefix: string;
  /** Wait in-process for a slot at most this long; beyond it, defer the job. Default 2 s. */
  maxWaitMs?: number;
  /**
   * A fixed extra window length absorbing delivery jitter, instead of the measured one shared by every
   * process (jitter-guard.ts). For tests and comparisons.
   */
  jitterGuardMs?: number;
  /** Called on every grant, e.g. for metrics: the slot on the Redis clock and how long the caller waits. */
  onGrant?: (grant: { key: string; slotMs: number; waitMs: number }) => void;
}

export interface RateBucket {
  /**
   * Resolves when one call may be made now, with the slot it got. Throws `DeferredError` (code
   * `rate.limited`) when the next free slot is further away than `maxWaitMs`, so a job is delayed instead
   * of holding a worker slot.
   */
  acquire(): Promise<RateGrant>;
  /**
   * The call of the grant left at `sentAt` (ms since the epoch, when the request was written out): how late
   * after its slot is measured, for the jitter guard (jitter-guard.ts). Clients call it once per call.
   */
  sent(grant: RateGrant, sentAt: number): void;
  /**
   * The upstream refused the call as over its rate (a 429) although the limiter granted it: the guard is
   * too small for the way to it, and is raised (jitter-guard.ts).
   */
  refused(): void;
  /**
   * Reserves the next slot for a call to be made later in this job, without waiting for it; throws the
   * same `DeferredError` as `acquire` when it is further than `maxWaitMs`. A job reserves before the calls
   * whose results it would throw away if this bucket deferred it afterwards (an export reads the order,
   * then creates the sale): deferred here, it has spent nothing. Spend the ticket with `spend`.
   */
  reserve(): Promise<RateTicket>;
  /**
   * Runs `work`; the first `acquire` of this bucket inside it (the client's, before its call) takes the
   * ticket's slot instead of a new one, waiting until the slot is due. A slot more than `LATE_TOLERANCE_MS`
   * past (the work before the call took longer) is given back and a new one acquired — waiting up to twice
   * `maxWaitMs` for it rather than deferring the job — so no call arrives later after its slot than the
   * jitter guard allows. A ticket not used by then is given back.
   */
  spend<T>(ticket: RateTicket, work: () => Promise<T>): Promise<T>;
}

/** The slot a call was granted: when it was due, on this process's clock (ms since the epoch). */
export interface RateGrant {
  readonly dueAt: number;
}

/** A reserved slot of one bucket (see `RateBucket.reserve`). */
export interface RateTicket {
  /** When the slot is due, on this process's clock (ms since the epoch). */
  readonly dueAt: number;
}

/**
 * How late after its reserved slot a call may still be made (the work before it took longer): later, the
 * slot is given back and a new one taken, once. A plain acquire keeps a slot it overslept by up to the
 * jitter guard its window had (giving back every slot that came due while a loaded machine stalled wastes
 * them and slowed every tenant in tests on a busy machine; that lateness is measured and the guard covers
 * it). Overslept by more — a stall longer than the guard allows for, a garbage collection — its call would
 * share an upstream second with the call granted `limit` slots after it (measured: a pause of every tenant's
 * calls at once, five LIFE POS 429s in one moment), so that slot too is given back and a new one taken.
 */
export const LATE_TOLERANCE_MS = 10;

/** A slot taken: when it is due on this clock (ms since the epoch), and the jitter guard its window had. */
interface TakenSlot {
  readonly dueAt: number;
  readonly guardMs: number;
}

interface HeldTicket extends RateTicket, TakenSlot {
  redisKey: string;
  member: string;
  state: 'held' | 'used' | 'released';
}

/** The ticket a job's `spend` holds, found by the `acquire` of the client call inside it. */
const heldTickets = new AsyncLocalStorage<HeldTicket>();

export interface RateLimiter {
  bucket(key: string, options: { perSecond: number }): RateBucket;
}

interface SlotRequest {
  redisKey: string;
  perSecond: number;
  key: string;
  member: string;
}

/** A rate limiter shared by all processes through Redis, keyed per upstream account. */
export function createRateLimiter(redis: Redis, options: RateLimiterOptions): RateLimiter {
  const maxWaitMs = options.maxWaitMs ?? 2_000;
  const fixedGuardUs = options.jitterGuardMs === undefined ? -1 : options.jitterGuardMs * 1_000;
  const guardKey = jitterGuardKey(options.prefix);
  const meter = createJitterMeter(redis, options.prefix);
  /** Reserves the bucket's next free slot: when it is due on this clock (ms); defers beyond the wait limit. */
  const takeSlot = async (
    { redisKey, perSecond, key, member }: SlotRequest,
    waitLimitMs = maxWaitMs,
  ): Promise<TakenSlot> => {
    const reply = (await acquireScript(
      redis,
      [redisKey, guardKey],
      [perSecond, fixedGuardUs, waitLimitMs * 1000, member, DEFAULT_JITTER_GUARD_MS],
    )) as [number, string, string, string?];
    const [granted, now, value] = [reply[0], Number(reply[1]), Number(reply[2])];
    if (granted !== 1) {
      // Spread deferred jobs over the following window so they do not all come back at once.
      const delayMs = Math.ceil(value / 1000) + Math.floor((Math.random() * 1000) / perSecond);
      throw new DeferredError(`rate limit of ${perSecond}/s for ${key} reached`, delayMs, {
        code: 'rate.limited',
        details: { key, perSecond },
      });
    }
    // +1 ms: timers may fire up to a millisecond early, and the slot must not be entered early.
    const waitMs = value > now ? Math.ceil((value - now) / 1000) + 1 : 0;
    options.onGrant?.({ key, slotMs: value / 1000, waitMs });
    return { dueAt: Date.now() + waitMs, guardMs: Number(reply[3]) / 1000 };
  };
  /**
   * Waits for the slot and enters it. A slot overslept (a reserved one: by more than LATE_TOLERANCE_MS, the
   * job's own work took longer; a plain acquire: by more than its window's guard) is given back and a new
   * one taken, once (waiting up to twice maxWait for it: what the job did before the call is not thrown away
   * for a deferral). The client reports when the call left (`sent`): that lateness is measured. A plain
   * acquire's oversleep is measured too: it is how late the call would have left, and the guard must keep
   * learning the stalls of a loaded machine, not only the calls that stayed within it.
   */
  const enterSlot = async (request: SlotRequest, slot: TakenSlot, reserved: boolean): Promise<RateGrant> => {
    for (let taken = slot, retaken = false; ; retaken = true) {
      const waitMs = taken.dueAt - Date.now();
      if (waitMs > 0) await sleep(waitMs);
      const lateMs = Date.now() - taken.dueAt;
      const limitMs = reserved ? LATE_TOLERANCE_MS : Math.max(LATE_TOLERANCE_MS, taken.guardMs);
      if (retaken || lateMs <= limitMs) return { dueAt: taken.dueAt };
      if (!reserved) meter.record(lateMs);
      await redis.zrem(request.redisKey, request.member);
      taken = await takeSlot(request, 2 * maxWaitMs);
    }
  };
  const release = async (ticket: HeldTicket) => {
    if (ticket.state !== 'held') return;
    ticket.state = 'released';
    await redis.zrem(ticket.redisKey, ticket.member);
  };
  return {
    bucket(key, { perSecond }) {
      if (!Number.isInteger(perSecond) || perSecond < 1) {
        throw new Error(`rate limit for ${key} must be a positive integer per second, got ${perSecond}`);
      }
      const redisKey = `${options.prefix}:rate:${key}`;
      const requestOf = (member: string): SlotRequest => ({ redisKey, perSecond, key, member });
      return {
        async acquire() {
          const held = heldTickets.getStore();
          if (held?.redisKey === redisKey && held.state === 'held') {
            held.state = 'used';
            return enterSlot(requestOf(held.member), held, true);
          }
          const request = requestOf(randomBytes(8).toString('hex'));
          return enterSlot(request, await takeSlot(request), false);
        },
        sent(grant, sentAt) {
          meter.record(sentAt - grant.dueAt);
        },
        refused() {
          meter.refused();
        },
        async reserve() {
          const member = randomBytes(8).toString('hex');
          const taken = await takeSlot(requestOf(member));
          const ticket: HeldTicket = { ...taken, redisKey, member, state: 'held' };
          return ticket;
        },
        async spend(ticket, work) {
          const held = ticket as HeldTicket;
          try {
            return await heldTickets.run(held, work);
          } finally {
            await release(held).catch(() => {});
          }
        },
      };
    },
  };
}
