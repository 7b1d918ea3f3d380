import { testRedisUrl, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  createJitterMeter,
  FIRST_ESTIMATE_SAMPLES,
  guardFor,
  jitterGuardKey,
  MAX_JITTER_GUARD_MS,
  MIN_JITTER_GUARD_MS,
  quantileOf,
  REFUSAL_STEP_MS,
  TRANSIT_ALLOWANCE_MS,
} from './jitter-guard.js';
import { createRateLimiter } from './rate-limiter.js';

const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
afterAll(() => redis.quit());

const sharedGuard = async (prefix: string) => Number(await redis.hget(jitterGuardKey(prefix), 'ms'));
const pacerGuard = async (prefix: string) => Number(await redis.hget(jitterGuardKey(prefix), 'pace'));
const setSharedGuard = (prefix: string, ms: number, ageMs = 0) =>
  redis.hset(jitterGuardKey(prefix), 'ms', ms, 'at', Date.now() - ageMs);

describe('jitter guard', () => {
  it('is the lateness at the quantile plus the unseen leg, within its bounds', () => {
    expect(guardFor(0)).toBe(MIN_JITTER_GUARD_MS);
    expect(guardFor(42.2)).toBe(Math.ceil(42.2 + TRANSIT_ALLOWANCE_MS));
    expect(guardFor(60_000)).toBe(MAX_JITTER_GUARD_MS);
    const samples = Array.from({ length: 1_000 }, (_, i) => i);
    expect(quantileOf(samples, 0.999)).toBe(999);
    expect(quantileOf(samples, 0.5)).toBe(500);
    expect(quantileOf([], 0.999)).toBe(0);
  });

  it('publishes what the process measured, unless another process measured more within the minute', async () => {
    const prefix = `{${uniquePrefix('guard')}}`;
    const meter = createJitterMeter(redis, prefix);
    for (let i = 1; i < FIRST_ESTIMATE_SAMPLES; i += 1) meter.record(i % 3);
    expect(meter.estimate()).toBeUndefined();
    meter.record(80);
    expect(meter.estimate()).toBe(80 + TRANSIT_ALLOWANCE_MS);
    await waitForGuard(prefix, 80 + TRANSIT_ALLOWANCE_MS);
    // Kept through a quiet night: the next backlog is paced by what was measured, not by the cold default.
    expect(await redis.pttl(jitterGuardKey(prefix))).toBeGreaterThan(24 * 60 * 60_000);
    // The pacer's guard starts at the first guard published, then follows the shared one over minutes.
    expect(await pacerGuard(prefix)).toBe(80 + TRANSIT_ALLOWANCE_MS);

    await setSharedGuard(prefix, 300);
    for (let i = 0; i < 200; i += 1) meter.record(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await sharedGuard(prefix)).toBe(300);

    await setSharedGuard(prefix, 300, 61_000);
    for (let i = 0; i < 200; i += 1) meter.record(1);
    // The newest 2,000 samples still hold the 80 ms one.
    await waitForGuard(prefix, 80 + TRANSIT_ALLOWANCE_MS);
  });

  it('moves the pacer’s guard towards the guard in force by the time since its last move, at most half-way', async () => {
    const prefix = `{${uniquePrefix('guard')}}`;
    const tenMinutesAgo = Date.now() - 10 * 60_000;
    await redis.hset(jitterGuardKey(prefix), 'ms', 20, 'at', tenMinutesAgo, 'pace', 20, 'pat', tenMinutesAgo);
    const meter = createJitterMeter(redis, prefix);
    for (let i = 1; i < FIRST_ESTIMATE_SAMPLES; i += 1) meter.record(1);
    meter.record(90);
    await waitForGuard(prefix, 100);
    expect(await pacerGuard(prefix)).toBe(60);
    // Published again moments later: the guard is still 100, the pace barely moves.
    const firstMove = await redis.hget(jitterGuardKey(prefix), 'pat');
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = FIRST_ESTIMATE_SAMPLES; i < 200; i += 1) meter.record(1);
    await waitFor(async () => (await redis.hget(jitterGuardKey(prefix), 'pat')) !== firstMove, {
      what: 'the second publication',
    });
    expect(await pacerGuard(prefix)).toBeGreaterThanOrEqual(60);
    expect(await pacerGuard(prefix)).toBeLessThan(61);
  });

  it('measures each call from its slot to when the client says it left', async () => {
    const prefix = `{${uniquePrefix('guard')}}`;
    const bucket = createRateLimiter(redis, { prefix }).bucket('lifepos:org-m', { perSecond: 1_000 });
    for (let i = 0; i < 200; i += 1) {
      const grant = await bucket.acquire();
      bucket.sent(grant, grant.dueAt + (i === 7 ? 45 : 2));
    }
    await waitForGuard(prefix, 45 + TRANSIT_ALLOWANCE_MS);
  });

  it('raises the guard at once when the upstream refuses a granted call, a step per refusal', async () => {
    const prefix = `{${uniquePrefix('guard')}}`;
    const bucket = createRateLimiter(redis, { prefix }).bucket('lifepos:org-r', { perSecond: 1_000 });
    bucket.refused();
    await waitForGuard(prefix, MIN_JITTER_GUARD_MS);
    for (let i = 0; i < 199; i += 1) {
      const grant = await bucket.acquire();
      bucket.sent(grant, grant.dueAt + 15);
    }
    bucket.refused();
    bucket.refused();
    // 15 ms late at the quantile, the allowance, and two steps (the first one decayed by a few ms at most).
    const expected = 15 + TRANSIT_ALLOWANCE_MS + 3 * REFUSAL_STEP_MS;
    await waitFor(async () => Math.abs((await sharedGuard(prefix)) - expected) <= 1, {
      what: `the shared guard near ${expected} ms`,
    });
  });

  it('sets the limiter’s window: one second plus the shared guard', async () => {
    const slotsWithGuard = async (guardMs: number) => {
      const prefix = `{${uniquePrefix('guard')}}`;
      await setSharedGuard(prefix, guardMs);
      const slots: number[] = [];
      const limiter = createRateLimiter(redis, { prefix, onGrant: ({ slotMs }) => void slots.push(slotMs) });
      const bucket = limiter.bucket('lifepos:org-g', { perSecond: 1 });
      await bucket.acquire();
      await bucket.acquire();
      return slots[1]! - slots[0]!;
    };
    const narrow = await slotsWithGuard(20);
    expect(narrow).toBeGreaterThanOrEqual(1_020);
    expect(narrow).toBeLessThan(1_200);
    expect(await slotsWithGuard(600)).toBeGreaterThanOrEqual(1_600);
  });
});

function waitForGuard(prefix: string, ms: number): Promise<unknown> {
  return waitFor(async () => (await sharedGuard(prefix)) === ms, { what: `the shared guard to be ${ms} ms` });
}
