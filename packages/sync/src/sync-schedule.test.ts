import { randomUUID } from 'node:crypto';
import { createWorkerRedis } from '@connector/queue';
import { testRedisUrl, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  createSyncScheduleQueue,
  reconcileSyncSchedules,
  scheduleConnectionSync,
  syncSchedulerId,
  unscheduleConnectionSync,
} from './index.js';

let redis: Redis;
let queue: Queue;

beforeAll(() => {
  redis = createWorkerRedis(testRedisUrl());
  queue = createSyncScheduleQueue(redis, `{${uniquePrefix()}}`);
});
afterAll(async () => {
  await queue.close();
  await redis.quit();
});

const MINUTE = 60_000;
const connection = (status: string, syncEveryMinutes = 5) => ({
  id: randomUUID(),
  status,
  settings: { syncEveryMinutes },
});

/** Jobs the schedulers produced for a connection (the first one comes at once). */
async function jobsOf(connectionId: string) {
  const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
  return jobs.filter((job) => job.data.connectionId === connectionId);
}

describe('per-connection sync schedulers', () => {
  it('creates a scheduler that runs the whole sync at once and then every period', async () => {
    const id = randomUUID();
    await expect(scheduleConnectionSync(queue, id, 5 * MINUTE)).resolves.toBe('created');

    const scheduler = await queue.getJobScheduler(syncSchedulerId(id));
    expect(scheduler).toMatchObject({
      every: 5 * MINUTE,
      template: { data: { connectionId: id, scope: 'all' } },
    });
    const [first] = await waitFor(
      async () => {
        const jobs = await jobsOf(id);
        return jobs.length > 0 && jobs;
      },
      { what: 'the first scheduled sync' },
    );
    expect(first?.data).toEqual({ connectionId: id, scope: 'all' });
    expect(first?.name).toBe('sync');
    expect(first?.opts.attempts).toBe(5);
  });

  it('leaves an unchanged scheduler alone and updates a changed period', async () => {
    const id = randomUUID();
    await scheduleConnectionSync(queue, id, 5 * MINUTE);
    const jobsBefore = (await jobsOf(id)).map((job) => job.id);

    await expect(scheduleConnectionSync(queue, id, 5 * MINUTE)).resolves.toBe('unchanged');
    expect((await jobsOf(id)).map((job) => job.id)).toEqual(jobsBefore);

    await expect(scheduleConnectionSync(queue, id, 10 * MINUTE)).resolves.toBe('updated');
    expect((await queue.getJobScheduler(syncSchedulerId(id)))?.every).toBe(10 * MINUTE);
  });

  it('keeps one scheduler per active connection and none for disabled, draft or deleted ones', async () => {
    const active = connection('active', 5);
    const slow = connection('active', 30);
    const disabled = connection('disabled');
    const draft = connection('draft');
    const deletedId = randomUUID();
    await scheduleConnectionSync(queue, disabled.id, 5 * MINUTE);
    await scheduleConnectionSync(queue, deletedId, 5 * MINUTE);

    const first = await reconcileSyncSchedules(queue, [active, slow, disabled, draft]);

    expect(first.scheduled.sort()).toEqual([active.id, slow.id].sort());
    expect(first.removed).toEqual(expect.arrayContaining([disabled.id, deletedId]));
    expect(first.removed).not.toContain(active.id);
    expect((await queue.getJobScheduler(syncSchedulerId(active.id)))?.every).toBe(5 * MINUTE);
    expect((await queue.getJobScheduler(syncSchedulerId(slow.id)))?.every).toBe(30 * MINUTE);
    expect(await queue.getJobScheduler(syncSchedulerId(disabled.id))).toBeUndefined();
    expect(await queue.getJobScheduler(syncSchedulerId(deletedId))).toBeUndefined();
    expect(await queue.getJobScheduler(syncSchedulerId(draft.id))).toBeUndefined();

    const second = await reconcileSyncSchedules(queue, [active, slow, { ...disabled, status: 'active' }]);
    expect(second.scheduled).toEqual([disabled.id]);

    const third = await reconcileSyncSchedules(queue, [active, { ...slow, status: 'disabled' }]);
    expect(third.removed.sort()).toEqual([slow.id, disabled.id].sort());
    expect(await unscheduleConnectionSync(queue, slow.id)).toBe(false);
  });
});
