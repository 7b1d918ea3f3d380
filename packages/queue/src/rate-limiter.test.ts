import { DeferredError } from '@connector/domain';
import { testRedisUrl, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createRateLimiter, LATE_TOLERANCE_MS, lifeposRateKey, retailcrmRateKey } from './rate-limiter.js';
import { runTogether } from './test-processes/spawn-script.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});
const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
cleanups.push(() => redis.quit());

/** The most grants in any one-second window [t, t + 1 s) of these microsecond timestamps. */
function busiestSecond(timestamps: number[]): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j < sorted.length && sorted[j]! < sorted[i]! + 1_000_000) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe('rate limiter', () => {
  it('never grants more than its rate in any one-second window across two processes', async () => {
    const prefix = `{${uniquePrefix('rate')}}`;
    const key = retailcrmRateKey('Shop.RetailCRM.ru');
    const perSecond = 10;
    const calls = 15;
    const results = await runTogether<{ slots: number[]; observed: number[]; deferred: number }>(
      './rate-contender.ts',
      [testRedisUrl(), prefix, key, String(perSecond), String(calls)],
    );

    const slots = results.flatMap((result) => result.slots);
    expect(slots).toHaveLength(2 * calls);
    // The guarantee, on the Redis clock, over every window; and the limit was actually reached.
    expect(busiestSecond(slots)).toBe(perSecond);
    for (const result of results) {
      // No caller went ahead before its slot (times from Redis TIME right after acquire()).
      const early = result.observed.filter((at, index) => at < result.slots[index]!);
      expect(early).toEqual([]);
    }
    // 30 calls at 10/s cannot all fit in two seconds.
    const span = Math.max(...slots) - Math.min(...slots);
    expect(span).toBeGreaterThanOrEqual(2_000_000);
    // Beyond maxWaitMs a process was told to defer instead of waiting.
    expect(results.some((result) => result.deferred > 0)).toBe(true);
  });

  it('lets another key proceed while one is exhausted', async () => {
    const prefix = `{${uniquePrefix('rate')}}`;
    const grants: Array<{ key: string; waitMs: number }> = [];
    const limiter = createRateLimiter(redis, { prefix, maxWaitMs: 0, onGrant: (g) => void grants.push(g) });
    const waitsOf = (key: string) => grants.filter((g) => g.key === key).map((g) => g.waitMs);
    const busy = limiter.bucket(lifeposRateKey('org-a'), { perSecond: 2 });
    const other = limiter.bucket(lifeposRateKey('org-b'), { perSecond: 2 });
    await busy.acquire();
    await busy.acquire();
    const refused = await busy.acquire().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeferredError);
    expect(refused).toMatchObject({ code: 'rate.limited' });
    expect((refused as DeferredError).delayMs).toBeGreaterThan(0);
    // At most one window (1 s + the 200 ms jitter guard) plus the spread of 1000 / perSecond ms.
    expect((refused as DeferredError).delayMs).toBeLessThanOrEqual(1_200 + 500);

    await other.acquire();
    expect(waitsOf(lifeposRateKey('org-b'))).toEqual([0]);
    expect(waitsOf(lifeposRateKey('org-a'))).toEqual([0, 0]);
  });

  it('waits in-process for a slot within maxWaitMs, a full window after the burst', async () => {
    const prefix = `{${uniquePrefix('rate')}}`;
    const grants: Array<{ slotMs: number; waitMs: number }> = [];
    const limiter = createRateLimiter(redis, {
      prefix,
      maxWaitMs: 2_000,
      onGrant: (g) => void grants.push(g),
    });
    const bucket = limiter.bucket('lifepos:org-c', { perSecond: 3 });
    const startedAt = performance.now();
    for (let i = 0; i < 4; i++) await bucket.acquire();
    const elapsed = performance.now() - startedAt;

    expect(grants.slice(0, 3).map((g) => g.waitMs)).toEqual([0, 0, 0]);
    const fourth = grants[3]!;
    expect(fourth.slotMs - grants[0]!.slotMs).toBeGreaterThanOrEqual(1_000);
    expect(fourth.waitMs).toBeGreaterThan(800);
    expect(elapsed).toBeGreaterThanOrEqual(fourth.waitMs);
  });

  it('hands a reserved slot to the first call inside spend, and gives back a ticket left unused', async () => {
    const prefix = `{${uniquePrefix('rate')}}`;
    const grants: Array<{ slotMs: number }> = [];
    const limiter = createRateLimiter(redis, { prefix, maxWaitMs: 0, onGrant: (g) => void grants.push(g) });
    const bucket = limiter.bucket('lifepos:org-t', { perSecond: 2 });
    const members = () => redis.zcard(`${prefix}:rate:lifepos:org-t`);

    const ticket = await bucket.reserve();
    expect(await members()).toBe(1);
    // The call inside spend takes the reserved slot: no second grant.
    await bucket.spend(ticket, () => bucket.acquire());
    expect(grants).toHaveLength(1);
    expect(await members()).toBe(1);

    // A job that ends without its call gives the slot back: the bucket's second slot is free again.
    const unused = await bucket.reserve();
    await bucket.spend(unused, async () => 'skipped');
    expect(await members()).toBe(1);
    await bucket.acquire();
    expect(await members()).toBe(2);
    // Full now: a reservation is refused before the job has made any call.
    await expect(bucket.reserve()).rejects.toBeInstanceOf(DeferredError);
    expect(await members()).toBe(2);
  });

  it('does not use a reserved slot long past: gives it back and takes a new one', async () => {
    const prefix = `{${uniquePrefix('rate')}}`;
    const grants: Array<{ slotMs: number }> = [];
    const limiter = createRateLimiter(redis, { prefix, maxWaitMs: 0, onGrant: (g) => void grants.push(g) });
    const bucket = limiter.bucket('lifepos:org-u', { perSecond: 5 });
    const ticket = await bucket.reserve();
    await bucket.spend(ticket, async () => {
      await new Promise((resolve) => setTimeout(resolve, LATE_TOLERANCE_MS + 40));
      await bucket.acquire();
    });
    expect(grants).toHaveLength(2);
    expect(grants[1]!.slotMs - grants[0]!.slotMs).toBeGreaterThanOrEqual(LATE_TOLERANCE_MS + 30);
    // The late slot was given back: only the slot actually used stays in the window.
    expect(await redis.zcard(`${prefix}:rate:lifepos:org-u`)).toBe(1);
  });

  it('gives back a slot overslept by more than the guard, so the calls after it keep their second', async () => {
    const prefix = `{${uniquePrefix('rate')}}`;
    const slots: number[] = [];
    const limiter = createRateLimiter(redis, {
      prefix,
      maxWaitMs: 5_000,
      jitterGuardMs: 20,
      onGrant: (g) => void slots.push(g.slotMs),
    });
    const bucket = limiter.bucket('lifepos:org-stall', { perSecond: 1 });
    const entered: number[] = [];
    const call = () => bucket.acquire().then(() => entered.push(Date.now()));
    await call();
    // The second call's slot is a window later, the third's two; then the process stalls until well past
    // the second's slot, by more than the guard (a long garbage collection).
    const calls = [call(), call()];
    await waitFor(async () => slots.length === 3, { what: 'three slots granted' });
    expect(Date.now()).toBeLessThan(slots[1]!);
    while (Date.now() < slots[1]! + 130) {
      // The event loop is blocked: the second call's timer cannot fire.
    }
    await Promise.all(calls);

    // The overslept slot was given back and the second call went after the third, a window later.
    expect(slots).toHaveLength(4);
    expect(slots[3]! - slots[2]!).toBeGreaterThanOrEqual(1_020);
    const gaps = entered
      .sort((a, b) => a - b)
      .slice(1)
      .map((at, index) => at - entered[index]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_000);
    expect(await redis.zcard(`${prefix}:rate:lifepos:org-stall`)).toBeLessThanOrEqual(3);
  });

  it('keeps a slot overslept by less than the guard', async () => {
    const prefix = `{${uniquePrefix('rate')}}`;
    const slots: number[] = [];
    const limiter = createRateLimiter(redis, {
      prefix,
      maxWaitMs: 5_000,
      jitterGuardMs: 500,
      onGrant: (g) => void slots.push(g.slotMs),
    });
    const bucket = limiter.bucket('lifepos:org-nap', { perSecond: 1 });
    await bucket.acquire();
    const second = bucket.acquire();
    await waitFor(async () => slots.length === 2, { what: 'two slots granted' });
    expect(Date.now()).toBeLessThan(slots[1]!);
    while (Date.now() < slots[1]! + 60) {
      // Blocked until 60 ms past the slot: well within the 500 ms guard.
    }
    await second;
    expect(slots).toHaveLength(2);
  });

  it('refuses a rate that is not a positive whole number', () => {
    const limiter = createRateLimiter(redis, { prefix: 'x' });
    expect(() => limiter.bucket('retailcrm:a', { perSecond: 0 })).toThrow(/positive integer/);
    expect(() => limiter.bucket('retailcrm:a', { perSecond: 2.5 })).toThrow(/positive integer/);
  });
});
