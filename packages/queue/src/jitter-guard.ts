import type { Redis } from 'ioredis';
import { luaScript } from './lua-script.js';

/**
 * The rate limiter's jitter guard, derived from measured lateness instead of a constant. The limiter
 * spaces grants on the Redis clock and the upstream counts arrivals; a call that leaves later after its
 * slot than the one granted `limit` slots after it can land in the same upstream second. Every process
 * measures how late after its slot each of its calls actually left (`record`), and publishes a high
 * quantile of that, plus an allowance for the leg it cannot see (handing the request to the socket, the
 * network), to a key every process shares: the limiter's window is 1 s plus it, and the pacing of the
 * tenants' jobs (pacing.ts) is stretched by a slow follower of it (`pace`, below). The key holds the largest estimate any
 * process published within the last minute, and keeps the last one through quiet hours (`GUARD_KEPT_MS`);
 * only before any process ever measured does `DEFAULT_JITTER_GUARD_MS` apply.
 */

/** The guard before any process measured (and the one a fixed `jitterGuardMs` of older setups used). */
export const DEFAULT_JITTER_GUARD_MS = 200;
/** The smallest guard: what the process cannot see of a call's way (socket write, network, the far end). */
export const MIN_JITTER_GUARD_MS = 20;
/**
 * The largest guard an estimate can set: the constant it replaced, so a loaded machine (whose stalls
 * lengthen every wait anyway) never paces tenants slower than before; a process stalled for longer is not
 * a jitter to plan for.
 */
export const MAX_JITTER_GUARD_MS = 200;
/** Added to the measured quantile: the same unseen leg. */
export const TRANSIT_ALLOWANCE_MS = 10;
/** An estimate stays the shared guard this long unless a larger one replaces it. */
const ESTIMATE_FRESH_MS = 60_000;
/**
 * How long the last estimate outlives the traffic that made it. The jitter belongs to the deployment (its
 * machines, its network), not to the last burst: a shop's morning backlog, paced at the cold default after
 * a quiet night, would run its whole length a fifth slower than the limit allows (pacing fixes each job's
 * start when it is added).
 */
const GUARD_KEPT_MS = 7 * 24 * 60 * 60_000;
/** The quantile of lateness the guard covers. */
const QUANTILE = 0.999;
/**
 * An upstream refusal (429) says an arrival fell closer to another than the guard allowed: the leg the
 * process cannot see was longer. Each raises this process's estimate by a step, which halves after every
 * half-life without another, so the guard learns the far end's jitter and forgets it once it is gone.
 */
export const REFUSAL_STEP_MS = 10;
const REFUSAL_HALF_LIFE_MS = 10 * 60_000;
/**
 * Refusals raise the guard by this much at most: another application spending the same account's budget
 * (common with RetailCRM) is refused too, and would otherwise slow every tenant without bound.
 */
const REFUSAL_RAISE_MAX_MS = 100;
/**
 * Samples kept (the newest), and how many new ones make a new estimate. The first estimate comes sooner:
 * the largest of the first samples is conservative enough, and until it exists the cold default paces a
 * backlog being added right then.
 */
const SAMPLES = 2_000;
const PUBLISH_EVERY_SAMPLES = 200;
export const FIRST_ESTIMATE_SAMPLES = 50;

export function jitterGuardKey(prefix: string): string {
  return `${prefix}:rate:guard`;
}

/**
 * The pacer's guard (`pace`) follows the guard in force slowly: each job's start is fixed when it is added
 * (pacing.ts), so a backlog added while the guard is high for a moment — a burst arriving is itself a busy
 * moment — would otherwise be spaced by that moment for its whole length. It moves towards the guard by
 * the time since its last move over `PACE_FOLLOW_MS` (at most half the way at once). It starts at the first
 * guard published: started lower, a deployment whose jitter is larger than the smallest guard paced its
 * first backlog faster than the limiter grants, and the limiter deferred its jobs over and over (measured:
 * jobs seconds late, and the churn's own load raised the guard further). While it is below the guard for a
 * while, the limiter holds the jobs back (up to its `maxWaitMs`), which a spike of a minute fits in.
 */
const PACE_FOLLOW_MS = 5 * 60_000;
const PACE_STEP_MAX = 0.5;

/*
 * KEYS[1] = the guard hash {ms, at, pace, pat}; ARGV[1] = the estimate (ms), ARGV[2] = how long an estimate
 * stays fresh, ARGV[3] = how long the key is kept, ARGV[4] = PACE_FOLLOW_MS, ARGV[5] = PACE_STEP_MAX. A
 * larger estimate still fresh is kept; otherwise this one replaces it. The pace moves towards the guard
 * now in force, which is returned.
 */
const publishScript = luaScript(
  `local t = redis.call('TIME')
   local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
   local estimate = tonumber(ARGV[1])
   local current = redis.call('HMGET', KEYS[1], 'ms', 'at', 'pace', 'pat')
   local ms, at = tonumber(current[1]), tonumber(current[2])
   local pace, pat = tonumber(current[3]), tonumber(current[4]) or now
   local guard = estimate
   if ms and at and ms > estimate and now - at < tonumber(ARGV[2]) then
     guard = ms
   else
     redis.call('HSET', KEYS[1], 'ms', estimate, 'at', now)
   end
   local step = math.min(tonumber(ARGV[5]), (now - pat) / tonumber(ARGV[4]))
   pace = pace and pace + (guard - pace) * step or guard
   redis.call('HSET', KEYS[1], 'pace', string.format('%.1f', pace), 'pat', now)
   redis.call('PEXPIRE', KEYS[1], ARGV[3])
   return guard`,
  1,
);

/** The Lua lines that set `guard` (ms) from the guard hash KEYS[n], or the default given. */
export function luaReadGuard(keyIndex: number, defaultArg: string): string {
  return `local guard = tonumber(redis.call('HGET', KEYS[${keyIndex}], 'ms') or ${defaultArg})`;
}

/** The Lua lines that set `guard` (ms) to the pacer's guard from the hash KEYS[n] (the default before any). */
export function luaReadPaceGuard(keyIndex: number): string {
  return `local guard = tonumber(redis.call('HGET', KEYS[${keyIndex}], 'pace') or ${DEFAULT_JITTER_GUARD_MS})`;
}

/** The guard an estimate of lateness (ms, at the quantile) gives: clamped, with the unseen leg added. */
export function guardFor(lateMsAtQuantile: number): number {
  const guard = Math.ceil(Math.max(0, lateMsAtQuantile) + TRANSIT_ALLOWANCE_MS);
  return Math.min(MAX_JITTER_GUARD_MS, Math.max(MIN_JITTER_GUARD_MS, guard));
}

/** The value at quantile `q` of the samples (nearest rank), 0 when there are none. */
export function quantileOf(samples: ArrayLike<number>, q: number): number {
  if (samples.length === 0) return 0;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export interface JitterMeter {
  /** One call left this long after its slot (negative: early, counted as 0). */
  record(lateMs: number): void;
  /** The upstream refused a call as over its rate: raises the estimate and publishes it at once. */
  refused(): void;
  /** The estimate this process would publish now (ms), undefined before it has enough samples. */
  estimate(): number | undefined;
}

/**
 * Measures this process's lateness and publishes its guard estimate after `FIRST_ESTIMATE_SAMPLES` calls,
 * then every `PUBLISH_EVERY_SAMPLES`.
 */
export function createJitterMeter(
  redis: Redis,
  prefix: string,
  onError: (error: unknown) => void = () => {},
): JitterMeter {
  const samples = new Float64Array(SAMPLES);
  let count = 0;
  let raised = { ms: 0, at: 0 };
  const raisedNow = () => raised.ms * 0.5 ** ((Date.now() - raised.at) / REFUSAL_HALF_LIFE_MS);
  const lateness = () => quantileOf(samples.subarray(0, Math.min(count, SAMPLES)), QUANTILE);
  const estimate = () =>
    count < FIRST_ESTIMATE_SAMPLES && raised.ms === 0 ? undefined : guardFor(lateness() + raisedNow());
  const publish = () => {
    const guard = estimate();
    if (guard === undefined) return;
    const args = [guard, ESTIMATE_FRESH_MS, GUARD_KEPT_MS, PACE_FOLLOW_MS, PACE_STEP_MAX];
    publishScript(redis, [jitterGuardKey(prefix)], args).catch(onError);
  };
  return {
    record(lateMs) {
      samples[count % SAMPLES] = Math.max(0, lateMs);
      count += 1;
      if (count === FIRST_ESTIMATE_SAMPLES || count % PUBLISH_EVERY_SAMPLES === 0) publish();
    },
    refused() {
      raised = { ms: Math.min(REFUSAL_RAISE_MAX_MS, raisedNow() + REFUSAL_STEP_MS), at: Date.now() };
      publish();
    },
    estimate,
  };
}
