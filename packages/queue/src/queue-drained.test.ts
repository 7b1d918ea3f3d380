import { testRedisUrl, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { queueDrained } from './queue-drained.js';
import { createWorkerRedis } from './redis-connections.js';

const redis = createWorkerRedis(testRedisUrl());
const queues: Queue[] = [];
beforeAll(() => waitFor(() => redis.status === 'ready', { what: 'the Redis connection' }));
afterAll(async () => {
  for (const queue of queues) await queue.close();
  await redis.quit();
});

function fresh(): Queue {
  const queue = new Queue('sync', { connection: redis, prefix: `{${uniquePrefix('drained')}}` });
  queues.push(queue);
  return queue;
}

describe('queueDrained', () => {
  it('is true for an empty queue and false while a job waits', async () => {
    const queue = fresh();
    expect(await queueDrained(queue)).toBe(true);
    await queue.add('sync', { n: 1 });
    expect(await queueDrained(queue)).toBe(false);
  });

  it('does not count the next run a job scheduler holds, but does count any other delayed job', async () => {
    const queue = fresh();
    // Its first run an hour from now: held as a delayed job.
    await queue.upsertJobScheduler('later', { every: 3_600_000, startDate: Date.now() + 3_600_000 });
    expect(await queue.getDelayedCount()).toBe(1);
    expect(await queueDrained(queue)).toBe(true);
    await queue.add('sync', { n: 2 }, { delay: 60_000 });
    expect(await queueDrained(queue)).toBe(false);
  });
});
