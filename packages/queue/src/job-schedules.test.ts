import { randomUUID } from 'node:crypto';
import { createLogger } from '@connector/logger';
import { testRedisUrl, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  applyJobSchedules,
  createScheduleQueue,
  createWorkerRedis,
  jobIdFor,
  startScheduleKeeper,
  upsertJobSchedule,
} from './index.js';
import { storedSchedulers } from './job-schedules.js';

let redis: Redis;
let queue: Queue;

beforeAll(() => {
  redis = createWorkerRedis(testRedisUrl());
  queue = createScheduleQueue(redis, `{${uniquePrefix()}}`, 'reconcile');
});
afterAll(async () => {
  await queue.close();
  await redis.quit();
});

const history = (connectionId: string, everyMs = 60_000) => ({
  id: jobIdFor('reconcile', connectionId, 'retailcrm-history'),
  everyMs,
  data: { connectionId, kind: 'retailcrm-history' as const },
});
const ownsHistory = (id: string) => id.endsWith('.retailcrm-history');

describe('job schedules', () => {
  it('reads every scheduler of a queue, more than one page of them', async () => {
    const own = createScheduleQueue(redis, `{${uniquePrefix()}}`, 'reconcile');
    try {
      const schedules = Array.from({ length: 1_100 }, () => history(randomUUID(), 3_600_000));
      for (const schedule of schedules) await upsertJobSchedule(own, 'reconcile', schedule);
      const stored = await storedSchedulers(own);
      expect([...stored.keys()].sort()).toEqual(schedules.map(({ id }) => id).sort());
    } finally {
      await own.obliterate({ force: true });
      await own.close();
    }
  }, 60_000);

  it('creates a scheduler whose first job comes at once with the catalog policy', async () => {
    const schedule = history(randomUUID());
    await expect(upsertJobSchedule(queue, 'reconcile', schedule)).resolves.toBe('created');

    expect(await queue.getJobScheduler(schedule.id)).toMatchObject({
      every: 60_000,
      template: { data: schedule.data },
    });
    const job = await waitFor(
      async () =>
        (await queue.getJobs(['waiting', 'delayed', 'prioritized'])).find(
          (candidate) => candidate.data.connectionId === schedule.data.connectionId,
        ),
      { what: 'the first scheduled job' },
    );
    expect(job.name).toBe('reconcile');
    expect(job.data).toEqual(schedule.data);
    expect(job.opts.attempts).toBe(3);
  });

  it('leaves an unchanged scheduler alone and re-times a changed one', async () => {
    const schedule = history(randomUUID());
    await upsertJobSchedule(queue, 'reconcile', schedule);
    await expect(upsertJobSchedule(queue, 'reconcile', schedule)).resolves.toBe('unchanged');
    await expect(upsertJobSchedule(queue, 'reconcile', { ...schedule, everyMs: 5_000 })).resolves.toBe(
      'updated',
    );
    expect((await queue.getJobScheduler(schedule.id))?.every).toBe(5_000);
  });

  it('refuses a schedule meant for another queue', async () => {
    await expect(
      upsertJobSchedule(queue, 'sync', {
        id: jobIdFor('sync', randomUUID()),
        everyMs: 1_000,
        data: { connectionId: randomUUID(), scope: 'all' },
      }),
    ).rejects.toThrow('schedule of sync given the reconcile queue');
  });

  it('keeps the wanted schedules, removes the other ones it owns and no others', async () => {
    const kept = history(randomUUID());
    const dropped = history(randomUUID());
    const foreign = {
      id: jobIdFor('reconcile', randomUUID(), 'lifepos-sales'),
      everyMs: 60_000,
      data: { connectionId: randomUUID(), kind: 'retailcrm-history' as const },
    };
    await upsertJobSchedule(queue, 'reconcile', dropped);
    await upsertJobSchedule(queue, 'reconcile', foreign);

    const result = await applyJobSchedules(queue, 'reconcile', { wanted: [kept], owns: ownsHistory });

    expect(result.scheduled).toEqual([kept.id]);
    expect(result.removed).toContain(dropped.id);
    expect(result.removed).not.toContain(foreign.id);
    expect(await queue.getJobScheduler(kept.id)).toBeDefined();
    expect(await queue.getJobScheduler(dropped.id)).toBeUndefined();
    expect(await queue.getJobScheduler(foreign.id)).toBeDefined();
    await expect(
      applyJobSchedules(queue, 'reconcile', { wanted: [kept], owns: ownsHistory }),
    ).resolves.toEqual({ scheduled: [], removed: [] });
  });

  it('keeps schedules in line at once, on demand, and survives a failing pass', async () => {
    const wanted = [history(randomUUID())];
    let fail = false;
    const keeper = startScheduleKeeper({
      apply: () => {
        if (fail) return Promise.reject(new Error('database down'));
        return applyJobSchedules(queue, 'reconcile', { wanted, owns: ownsHistory });
      },
      everyMs: 60_000,
      logger: createLogger({ service: 'job-schedules-test', level: 'error' }),
      name: 'history schedules',
    });
    try {
      await waitFor(async () => (await queue.getJobScheduler(wanted[0]!.id)) !== undefined, {
        what: 'the first pass at start',
      });
      fail = true;
      await expect(keeper.runNow()).rejects.toThrow('database down');
      fail = false;
      wanted.push(history(randomUUID()));
      const result = await keeper.runNow();
      expect(result.scheduled).toEqual([wanted[1]!.id]);
    } finally {
      await keeper.stop();
    }
  });

  it('runs a pass on demand that reads the data as of the call, even while another pass is going', async () => {
    let calls = 0;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const keeper = startScheduleKeeper({
      apply: async () => {
        calls += 1;
        const seen = calls;
        if (seen === 1) await held;
        return { scheduled: [seen], removed: [] };
      },
      everyMs: 60_000,
      logger: createLogger({ service: 'job-schedules-test', level: 'error' }),
      name: 'held schedules',
    });
    try {
      // The first pass (at start) is still going: the passes asked for now come after it, as one.
      const [first, second] = [keeper.runNow(), keeper.runNow()];
      release();
      expect(await first).toEqual({ scheduled: [2], removed: [] });
      expect(await second).toEqual({ scheduled: [2], removed: [] });
      expect(calls).toBe(2);
    } finally {
      await keeper.stop();
    }
  });
});
