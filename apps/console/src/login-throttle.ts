import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Sign-in attempts counted in Redis, per user name and per client address, so the limit holds across every
 * console process and a guesser cannot reset it by restarting one or by rotating addresses (or the reverse,
 * user names). A fixed window starts at the first counted attempt; once either counter is full, every
 * attempt — the right password too — is refused until that counter's window ends. An attempt is counted
 * before the password is checked (concurrent guesses cannot slip past the check) and given back when it
 * succeeds, so successful sign-ins never count.
 */
export interface LoginThrottle {
  /** Counts an attempt; returns the wait in ms when it is refused (nothing counted then), else 0. */
  attempt(who: LoginAttempt): Promise<number>;
  /** Gives back the attempt of a successful sign-in. */
  succeeded(who: LoginAttempt): Promise<void>;
}

export interface LoginAttempt {
  /** The user name given (any case). */
  user: string;
  /** The client address (`req.ip`, which depends on TRUST_PROXY). */
  ip: string | undefined;
}

export interface LoginThrottleOptions {
  redis: Redis;
  prefix: string;
  maxFailures: number;
  windowMinutes: number;
}

// KEYS: the counters; ARGV: limit, window ms. Returns the longest remaining wait of a full counter, or 0
// after counting the attempt on every counter.
const ATTEMPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for _, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= limit then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, window)
      ttl = window
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, window) end
end
return 0
`;

// Gives back one attempt on the counters that still exist (an expired one is not revived without a TTL).
const SUCCEEDED = `
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 and tonumber(redis.call('GET', key)) > 0 then
    redis.call('DECR', key)
  end
end
return 0
`;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 32);

export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const windowMs = options.windowMinutes * 60_000;
  // The prefix is a hash tag: both counters live in one Redis Cluster slot, as the script needs.
  const keysOf = ({ user, ip }: LoginAttempt) => [
    `${options.prefix}:console:login:user:${digest(user.trim().toLowerCase())}`,
    `${options.prefix}:console:login:ip:${digest(ip ?? 'unknown')}`,
  ];
  return {
    async attempt(who) {
      const keys = keysOf(who);
      const wait = await options.redis.eval(ATTEMPT, keys.length, ...keys, options.maxFailures, windowMs);
      return Number(wait);
    },
    async succeeded(who) {
      const keys = keysOf(who);
      await options.redis.eval(SUCCEEDED, keys.length, ...keys);
    },
  };
}

/** «4 мин» / «40 с»: the wait as the login page says it, rounded up. */
export function formatWait(ms: number, locale: 'ru' | 'en'): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return locale === 'ru' ? `${seconds} с` : `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  return locale === 'ru' ? `${minutes} мин` : `${minutes} min`;
}
