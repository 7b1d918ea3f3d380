import { setTimeout as sleep } from 'node:timers/promises';
import { DeferredError } from '@connector/domain';
import { testRedisUrl, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { orderLockKey } from './catalog.js';
import { createEntityLock } from './entity-lock.js';
import { runTogether } from './test-processes/spawn-script.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function connect() {
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  cleanups.push(() => redis.quit());
  return redis;
}

const redis = connect();
const key = () => orderLockKey('0d3c6f1e-1111-4a4a-8b8b-222233334444', Math.floor(Math.random() * 1e9));

describe('order lock', () => {
  it('runs the function holding the lock and releases it afterwards', async () => {
    const prefix = `{${uniquePrefix('lock')}}`;
    const lock = createEntityLock(redis, prefix);
    const k = key();
    const result = await lock.withLock(k, async () => {
      expect(await redis.exists(`${prefix}:lock:${k}`)).toBe(1);
      return 42;
    });
    expect(result).toBe(42);
    expect(await redis.exists(`${prefix}:lock:${k}`)).toBe(0);
    await expect(
      lock.withLock(k, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await redis.exists(`${prefix}:lock:${k}`)).toBe(0);
  });

  it('defers a second holder with a short delay and no side effect', async () => {
    const prefix = `{${uniquePrefix('lock')}}`;
    const first = createEntityLock(redis, prefix);
    const second = createEntityLock(connect(), prefix, { busyDelayMs: 400 });
    const k = key();
    let ran = false;
    await first.withLock(k, async () => {
      const attempt = second.withLock(k, async () => {
        ran = true;
      });
      await expect(attempt).rejects.toBeInstanceOf(DeferredError);
      await expect(attempt).rejects.toMatchObject({ code: 'lock.busy' });
      const error = (await attempt.catch((e: unknown) => e)) as DeferredError;
      expect(error.delayMs).toBeGreaterThan(0);
      expect(error.delayMs).toBeLessThanOrEqual(600);
    });
    expect(ran).toBe(false);
  });

  it('keeps the lock past its TTL while the holder runs', async () => {
    const prefix = `{${uniquePrefix('lock')}}`;
    const options = { ttlMs: 300, extendEveryMs: 75 };
    const holder = createEntityLock(redis, prefix, options);
    const contender = createEntityLock(connect(), prefix, options);
    const k = key();
    await holder.withLock(k, async (signal) => {
      // The work outlasts the TTL twice over; only the extension keeps the lock.
      await sleep(700);
      await expect(contender.withLock(k, async () => {})).rejects.toBeInstanceOf(DeferredError);
      expect(signal.aborted).toBe(false);
    });
    await expect(contender.withLock(k, async () => 'free')).resolves.toBe('free');
  });

  it('never releases or extends a lock somebody else holds now, and signals the loss', async () => {
    const prefix = `{${uniquePrefix('lock')}}`;
    const lock = createEntityLock(redis, prefix, { ttlMs: 5_000, extendEveryMs: 30 });
    const k = key();
    const redisKey = `${prefix}:lock:${k}`;
    let aborted = false;
    await lock.withLock(k, async (signal) => {
      // As if our lock had expired and another worker had taken it.
      await redis.set(redisKey, 'another-holder', 'PX', 60_000);
      await waitFor(() => signal.aborted, { what: 'the loss to be signalled' });
      aborted = true;
    });
    expect(aborted).toBe(true);
    expect(await redis.get(redisKey)).toBe('another-holder');
    expect(await redis.pttl(redisKey)).toBeGreaterThan(50_000);
  });

  it('excludes holders in two separate OS processes', async () => {
    const prefix = `{${uniquePrefix('lock')}}`;
    const k = key();
    const iterations = 25;
    const results = await runTogether<{ acquired: number; busy: number; overlaps: number }>(
      './lock-contender.ts',
      [testRedisUrl(), prefix, k, String(iterations), '15'],
    );

    for (const result of results) {
      expect(result.acquired).toBe(iterations);
      expect(result.overlaps).toBe(0);
    }
    // They really contended (one was turned away while the other held it), and both held the lock.
    expect(results.some((result) => result.busy > 0)).toBe(true);
    const holders = await redis.lrange(`${prefix}:holders`, 0, -1);
    expect(holders).toHaveLength(2 * iterations);
    expect(new Set(holders).size).toBe(2);
  });
});
