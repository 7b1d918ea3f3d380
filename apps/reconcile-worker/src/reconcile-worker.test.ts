import { connectionSettingsSchema } from '@connector/db';
import { DeferredError } from '@connector/domain';
import { createEntityLock, createWorkerRedis, type JobData } from '@connector/queue';
import { testRedisUrl, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { historyScanLockKey, historySchedulerId, requestSweep, sweepSchedulerId } from './index.js';
import { type ReconcileFixture, startReconcileFixture } from './test-support/reconcile-fixture.js';

let fx: ReconcileFixture;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  fx = await startReconcileFixture();
  redis = createWorkerRedis(testRedisUrl());
  queue = new Queue('reconcile', { connection: redis, prefix: fx.env.QUEUE_PREFIX });
});

afterAll(async () => {
  await queue.close();
  await redis.quit();
  await fx.close();
});

/** Adds a reconcile job and resolves to what it returned once it completed. */
async function run(data: JobData<'reconcile'>, name: string): Promise<unknown> {
  const jobId = `reconcile.${data.connectionId}.${name}`;
  await fx.reconcile.deps.producer.add('reconcile', data, { jobId });
  return waitFor(
    async () =>
      (await queue.getJobState(jobId)) === 'completed' && { value: (await queue.getJob(jobId))?.returnvalue },
    { what: `reconcile job ${jobId}` },
  ).then(({ value }) => value);
}

describe('reconcile worker', () => {
  it('keeps one history scheduler per active connection, with its period', async () => {
    const { db } = fx.reconcile.deps;
    const c = await fx.seed({ reconcileEverySeconds: 20 });
    const id = historySchedulerId(c.connectionId);
    expect((await queue.getJobScheduler(id))?.every).toBe(20_000);
    // Its first run, at once, starts the history cursor from now.
    await c.started();

    await db.connections.update(c.connectionId, { settings: { reconcileEverySeconds: 45 } });
    await fx.reconcile.schedules.runNow();
    expect((await queue.getJobScheduler(id))?.every).toBe(45_000);

    // A connection whose runs are done (its only one so far) is disabled: the keeper removes its scheduler.
    const quiet = await fx.seed({ reconcileEverySeconds: 3600 });
    await quiet.started();
    const quietId = historySchedulerId(quiet.connectionId);
    await db.connections.update(quiet.connectionId, { status: 'disabled', disabledReason: 'test' });
    expect((await fx.reconcile.schedules.runNow()).removed).toContain(quietId);
    expect(await queue.getJobScheduler(quietId)).toBeUndefined();
    expect(await queue.getJobScheduler(id)).toBeDefined();
  });

  it('skips the run of a connection that is no longer active, and removes its scheduler', async () => {
    const { db } = fx.reconcile.deps;
    const c = await fx.seed();
    await c.started();
    await db.connections.update(c.connectionId, { status: 'disabled', disabledReason: 'test' });

    await expect(
      run({ connectionId: c.connectionId, kind: 'retailcrm-history' }, 'inactive'),
    ).resolves.toEqual({
      skipped: 'disabled',
    });
    expect(await queue.getJobScheduler(historySchedulerId(c.connectionId))).toBeUndefined();
  });

  it('leaves the work to a run still going rather than reading the same pages twice', async () => {
    const c = await fx.seed({ reconcileEverySeconds: 3600 });
    const mark = await c.started();
    c.move(c.order(), c.seeded.statuses.send);
    const lock = createEntityLock(redis, fx.env.QUEUE_PREFIX);

    // The first run writes its cursor a moment before it lets go of the lock: take it once that run is over.
    const whileHeld = () =>
      lock.withLock(historyScanLockKey(c.connectionId), async () => {
        await expect(
          run({ connectionId: c.connectionId, kind: 'retailcrm-history' }, 'busy'),
        ).resolves.toEqual({ skipped: 'running' });
        return true;
      });
    await waitFor(
      () => whileHeld().catch((error) => (error instanceof DeferredError ? false : Promise.reject(error))),
      {
        what: 'the history scan lock taken by the test',
      },
    );
    const { db } = fx.reconcile.deps;
    expect((await db.syncCursors.get(c.connectionId)).retailcrmHistorySinceId).toBe(mark);

    await expect(
      run({ connectionId: c.connectionId, kind: 'retailcrm-history' }, 'free'),
    ).resolves.toMatchObject({ outcome: 'scanned', repaired: 1 });
  });

  it('owns every scheduler of its queue: the LIFE POS checks an older webhook-worker left there are removed', async () => {
    const c = await fx.seed({ reconcileEverySeconds: 3600 });
    await c.started();
    const legacy = [`reconcile.${c.connectionId}.lifepos-sales`, `reconcile.${c.connectionId}.subscription`];
    for (const [id, kind] of [
      [legacy[0]!, 'lifepos-sales'],
      [legacy[1]!, 'subscription'],
    ] as const) {
      // As that app wrote them (kinds the catalog no longer has), due on 1 January: no job comes of it here.
      await queue.upsertJobScheduler(
        id,
        { pattern: '0 0 1 1 *' },
        { name: 'reconcile', data: { connectionId: c.connectionId, kind } },
      );
      expect(await queue.getJobScheduler(id)).toBeDefined();
    }

    // What the keeper's full pass does (at start, as after the upgrade, and every 15 minutes).
    const pass = await fx.reconcile.schedules.runFullPass();

    expect(pass.removed).toEqual(expect.arrayContaining(legacy));
    for (const id of legacy) expect(await queue.getJobScheduler(id)).toBeUndefined();
    expect(await queue.getJobScheduler(historySchedulerId(c.connectionId))).toBeDefined();
  });

  it('keeps a sweep scheduler per active connection, sweeps on request, and drops it with the connection', async () => {
    const { db, producer } = fx.reconcile.deps;
    const c = await fx.seed({ sweepEverySeconds: 120 });
    const id = sweepSchedulerId(c.connectionId);
    expect((await queue.getJobScheduler(id))?.every).toBe(120_000);
    // Its first run is at once; the requested one comes after it (two never run at the same time).
    await waitFor(
      async () =>
        (await queue.getJobs(['completed'])).some(
          (job) => job.data.connectionId === c.connectionId && job.data.kind === 'sweep',
        ),
      { what: 'the first scheduled sweep' },
    );

    const { id: jobId } = await requestSweep(producer, c.connectionId);
    const done = await waitFor(
      async () =>
        (await queue.getJobState(jobId)) === 'completed' && (await queue.getJob(jobId))?.returnvalue,
      { what: 'the requested sweep' },
    );
    expect(done).toMatchObject({ outcome: 'swept', complete: true, repaired: 0 });

    await db.connections.update(c.connectionId, { status: 'disabled', disabledReason: 'test' });
    await requestSweep(producer, c.connectionId);
    await waitFor(async () => (await queue.getJobScheduler(id)) === undefined, {
      what: 'the sweep scheduler removed',
    });
    expect(await queue.getJobScheduler(historySchedulerId(c.connectionId))).toBeUndefined();
  });

  it('takes the period and the start date from the connection settings', () => {
    expect(connectionSettingsSchema.parse({})).toMatchObject({ reconcileEverySeconds: 60 });
    expect(connectionSettingsSchema.parse({}).reconcileFrom).toBeUndefined();
    for (const reconcileFrom of ['2026-05-01', '2026-05-01T09:30:00+03:00', '2026-05-01T06:30:00Z']) {
      expect(connectionSettingsSchema.parse({ reconcileFrom }).reconcileFrom).toBe(reconcileFrom);
    }
    for (const reconcileFrom of ['yesterday', '2026-05-01 09:30:00', '2026-05-01T09:30:00']) {
      expect(() => connectionSettingsSchema.parse({ reconcileFrom })).toThrow();
    }
    expect(() => connectionSettingsSchema.parse({ reconcileEverySeconds: 0 })).toThrow();
    expect(connectionSettingsSchema.parse({})).toMatchObject({
      reconcileIdleEverySeconds: 300,
      sweepEverySeconds: 300,
      sweepWindowHours: 48,
    });
    expect(() => connectionSettingsSchema.parse({ sweepEverySeconds: 0 })).toThrow();
    expect(() => connectionSettingsSchema.parse({ sweepWindowHours: 1.5 })).toThrow();
  });
});
