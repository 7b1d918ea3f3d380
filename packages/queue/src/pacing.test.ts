import { randomUUID } from 'node:crypto';
import { PermanentError } from '@connector/domain';
import { testRedisUrl, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { jobIdFor, orderJobId } from './catalog.js';
import { DEFAULT_JITTER_GUARD_MS, jitterGuardKey } from './jitter-guard.js';
import { backgroundPace, createPacer, orderExportPace, PACE_SLACK } from './pacing.js';
import { createProducer } from './producer.js';
import { createWorkerRedis } from './redis-connections.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const redis = createWorkerRedis(testRedisUrl());
cleanups.push(() => redis.quit());
beforeAll(() => waitFor(() => redis.status === 'ready', { what: 'the Redis connection' }));

/** A pacer whose guard (the slow follower of the shared one) is `guardMs` (0: slots exactly the interval). */
async function pacerWithGuard(guardMs = 0) {
  const prefix = `{${uniquePrefix('pace')}}`;
  await redis.hset(
    jitterGuardKey(prefix),
    'ms',
    guardMs,
    'at',
    Date.now(),
    'pace',
    guardMs,
    'pat',
    Date.now(),
  );
  return createPacer(redis, prefix);
}

describe('pacer', () => {
  it('starts an idle tenant at once and spaces its backlog by the interval', async () => {
    const pacer = await pacerWithGuard();
    const pace = { key: 'order-export:a', intervalMs: 200 };
    const delays = [];
    for (let i = 0; i < 5; i += 1) delays.push((await pacer.reserve(pace)).delayMs);
    expect(delays[0]).toBe(0);
    // Each slot 200 ms after the previous one; the calls themselves take a few ms of the Redis clock.
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThan(i * 200 - 50);
      expect(delay).toBeLessThanOrEqual(i * 200);
    });
  });

  it('stretches the interval by the pacer’s guard, the default one before any was measured', async () => {
    const measured = await pacerWithGuard(50);
    await measured.reserve({ key: 'k', intervalMs: 1_000 });
    expect((await measured.reserve({ key: 'k', intervalMs: 1_000 })).intervalMs).toBe(1_050);
    const unmeasured = createPacer(redis, `{${uniquePrefix('pace')}}`);
    const slot = await unmeasured.reserve({ key: 'k', intervalMs: 1_000 });
    expect(slot.intervalMs).toBe(1_000 + DEFAULT_JITTER_GUARD_MS);
    expect((await unmeasured.reserve({ key: 'k', intervalMs: 1_000 })).delayMs).toBeGreaterThan(1_150);
  });

  it('keeps tenants apart: another tenant’s first job is not behind the backlog', async () => {
    const pacer = await pacerWithGuard();
    for (let i = 0; i < 50; i += 1) await pacer.reserve({ key: 'big', intervalMs: 1_000 });
    expect((await pacer.reserve({ key: 'fresh', intervalMs: 1_000 })).delayMs).toBe(0);
    expect((await pacer.reserve({ key: 'big', intervalMs: 1_000 })).delayMs).toBeGreaterThan(49_000);
  });

  it('gives back only the last slot', async () => {
    const pacer = await pacerWithGuard();
    const pace = { key: 'k', intervalMs: 10_000 };
    await pacer.reserve(pace);
    const second = await pacer.reserve(pace);
    await pacer.release(pace, second);
    // The second slot is free again: the next reservation takes it.
    const again = await pacer.reserve(pace);
    expect(again.slotEndMs).toBe(second.slotEndMs);
    const last = await pacer.reserve(pace);
    // Not the last any more: giving `again` back would overlap `last`, so nothing changes.
    await pacer.release(pace, again);
    expect((await pacer.reserve(pace)).slotEndMs).toBe(last.slotEndMs + 10_000);
  });
});

describe('background pace', () => {
  it('starts background work after the live backlog, and never holds a live job back', async () => {
    const pacer = await pacerWithGuard();
    const live = { key: 'order-export:bg', intervalMs: 1_000 };
    const background = backgroundPace(live);
    expect(background).toEqual({ key: live.key, intervalMs: 2_000, background: true });
    for (let i = 0; i < 5; i += 1) await pacer.reserve(live);
    // Behind the five live slots (5 s), then 2 s apart: half the tenant's rate.
    const first = await pacer.reserve(background);
    const second = await pacer.reserve(background);
    // (Bounds leave room for a slow Redis: each call takes some of the clock.)
    expect(first.delayMs).toBeGreaterThan(4_000);
    // Slot ends are on the Redis clock: exact, however long the calls took (delays shrink by that).
    expect(second.slotEndMs - first.slotEndMs).toBe(2_000);
    // A live job arriving now is behind the live backlog only, not behind the background slots.
    const next = await pacer.reserve(live);
    expect(next.delayMs).toBeLessThanOrEqual(5_000);
    expect(next.delayMs).toBeGreaterThan(4_000);
    // Giving back the last background slot frees it in its own lane.
    await pacer.release(background, second);
    expect((await pacer.reserve(background)).slotEndMs).toBe(second.slotEndMs);
  });

  it('takes an idle tenant’s background work at once', async () => {
    const pacer = createPacer(redis, `{${uniquePrefix('pace')}}`);
    const pace = backgroundPace({ key: 'idle', intervalMs: 100 }, 0.25);
    expect(pace.intervalMs).toBe(400);
    expect((await pacer.reserve(pace)).delayMs).toBe(0);
    expect(() => backgroundPace(pace, 0)).toThrow();
  });
});

describe('orderExportPace', () => {
  it('spaces a tenant’s exports by its slower bucket, with 1 % to spare (the pacer adds the guard)', () => {
    const pace = orderExportPace('c1', { retailcrmPerSecond: 10, lifeposPerSecond: 5 });
    expect(pace.key).toBe('order-export:c1');
    expect(pace.intervalMs).toBeCloseTo((1_000 / 5) * 1.01, 6);
    const slowCrm = orderExportPace('c1', { retailcrmPerSecond: 2, lifeposPerSecond: 20 });
    expect(slowCrm.intervalMs).toBeCloseTo((1_000 / 2) * 1.01, 6);
  });
});

describe('producer with pace', () => {
  function fresh() {
    const prefix = `{${uniquePrefix('paced')}}`;
    const producer = createProducer({ redis, prefix });
    const queue = new Queue('order-export', { connection: redis, prefix });
    cleanups.push(
      () => producer.close(),
      () => queue.close(),
    );
    return { producer, queue };
  }
  const trigger = (producer: ReturnType<typeof createProducer>, connectionId: string, orderId: number) =>
    producer.add(
      'order-export',
      { connectionId, orderId, source: 'trigger' },
      {
        jobId: jobIdFor('order-export', connectionId, orderId, randomUUID().slice(0, 8)),
        dedupeId: orderJobId('order-export', connectionId, orderId),
        pace: orderExportPace(connectionId, { retailcrmPerSecond: 10, lifeposPerSecond: 5 }),
      },
    );

  it('adds a backlogged tenant’s jobs delayed to their slots and a fresh tenant’s job to wait at once', async () => {
    const { producer, queue } = fresh();
    const big = randomUUID();
    const fresh1 = randomUUID();
    const added = [];
    for (let orderId = 1; orderId <= 20; orderId += 1) added.push(await trigger(producer, big, orderId));
    const freshJob = await trigger(producer, fresh1, 1);

    const delays = await Promise.all(added.map(async ({ id }) => (await queue.getJob(id))?.opts.delay ?? 0));
    expect(delays[0]).toBe(0);
    for (let i = 1; i < delays.length; i += 1) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
    // 200 ms a slot at 5/s, 1 % slack, stretched by the default guard (nothing measured in this prefix).
    const slotMs = Math.ceil(200 * PACE_SLACK * (1 + DEFAULT_JITTER_GUARD_MS / 1000));
    expect(delays.at(-1)).toBeGreaterThan(19 * slotMs - 100);
    expect(await queue.getJobState(freshJob.id)).toBe('waiting');
    expect(await queue.getWaitingCount()).toBe(2);
    expect(await queue.getDelayedCount()).toBe(19);
  });

  it('gives the slot back when the trigger merges into the order’s pending job', async () => {
    const { producer, queue } = fresh();
    const tenant = randomUUID();
    await trigger(producer, tenant, 1);
    const pending = await trigger(producer, tenant, 2);
    const merged = await trigger(producer, tenant, 2);
    expect(merged.id).toBe(pending.id);
    const next = await trigger(producer, tenant, 3);
    const delayOf = async (id: string) => (await queue.getJob(id))?.opts.delay ?? 0;
    // Order 3 takes the slot right after order 2's, not one further on.
    expect((await delayOf(next.id)) - (await delayOf(pending.id))).toBeLessThan(2 * 247);
  });

  it('refuses a pace without a positive interval before touching Redis', async () => {
    const { producer, queue } = fresh();
    const attempt = producer.add(
      'order-export',
      { connectionId: randomUUID(), orderId: 1, source: 'trigger' },
      { pace: { key: 'x', intervalMs: Number.NaN } },
    );
    await expect(attempt).rejects.toBeInstanceOf(PermanentError);
    await expect(attempt).rejects.toThrow(/pace interval/);
    expect(await queue.count()).toBe(0);
  });
});
