import type { Redis } from 'ioredis';
import { luaScript } from './lua-script.js';

/**
 * The rate limiter's jitter guard, derived from measured lateness instead of a constant. The limiter
 * spaces grants on the Redis clock and the upstream counts arrivals; a call that leaves later after its
 * slot than the one granted `limit` slots after it can land in the same upstream second. Every process
 * measures how late after its slot each of its calls actually left (`record`), and publishes a high
 * quantile of that, plus an allowance for the leg it cannot see (handing the request to the socket, the
 * network), to a key every process shares: the limiter's window is 1 s plus it, and the pacing of the
 * tenants' jobs (pacing.ts) is stretched by the same factor. The key holds the largest estimate any
 * process published within the last minute; while none has, `DEFAULT_JITTER_GUARD_MS` applies.
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
/** Samples kept (the newest), and how many new ones make a new estimate. */
const SAMPLES = 2_000;
const PUBLISH_EVERY_SAMPLES = 200;

export function jitterGuardKey(prefix: string): string {
  return `${prefix}:rate:guard`;
}

/*
 * KEYS[1] = the guard hash {ms, at}; ARGV[1] = the estimate (ms), ARGV[2] = how long an estimate stays.
 * A larger estimate still fresh is kept; otherwise this one replaces it. Returns the guard now in force.
 */
const publishScript = luaScript(
  `local t = redis.call('TIME')
   local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
   local estimate = tonumber(ARGV[1])
   local fresh = tonumber(ARGV[2])
   local current = redis.call('HMGET', KEYS[1], 'ms', 'at')
   local ms, at = tonumber(current[1]), tonumber(current[2])
   if ms and at and ms > estimate and now - at < fresh then return ms end
   redis.call('HSET', KEYS[1], 'ms', estimate, 'at', now)
   redis.call('PEXPIRE', KEYS[1], fresh * 10)
   return estimate`,
  1,
);

/** The Lua lines that set `guard` (ms) from the guard hash KEYS[n], or the default given. */
export function luaReadGuard(keyIndex: number, defaultArg: string): string {
  return `local guard = tonumber(redis.call('HGET', KEYS[${keyIndex}], 'ms') or ${defaultArg})`;
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

/** Measures this process's lateness and publishes its guard estimate every `PUBLISH_EVERY_SAMPLES` calls. */
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
    count < PUBLISH_EVERY_SAMPLES && raised.ms === 0 ? undefined : guardFor(lateness() + raisedNow());
  const publish = () => {
    const guard = estimate();
    if (guard === undefined) return;
    publishScript(redis, [jitterGuardKey(prefix)], [guard, ESTIMATE_FRESH_MS]).catch(onError);
  };
  return {
    record(lateMs) {
      samples[count % SAMPLES] = Math.max(0, lateMs);
      count += 1;
      if (count % PUBLISH_EVERY_SAMPLES === 0) publish();
    },
    refused() {
      raised = { ms: Math.min(REFUSAL_RAISE_MAX_MS, raisedNow() + REFUSAL_STEP_MS), at: Date.now() };
      publish();
    },
    estimate,
  };
}
