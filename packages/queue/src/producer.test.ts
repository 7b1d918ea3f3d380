import { randomUUID } from 'node:crypto';
import { PermanentError, RetryableError } from '@connector/domain';
import { createLogger } from '@connector/logger';
import { startDedicatedRedis, testRedisUrl, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { orderJobId, type QueueName } from './catalog.js';
import { createProducer } from './producer.js';
import { createProducerRedis, createWorkerRedis } from './redis-connections.js';
import { defineHandler, startWorkers } from './worker-runner.js';

const logger = createLogger({ service: 'queue-test', level: 'error' });
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const redis = createWorkerRedis(testRedisUrl());
cleanups.push(() => redis.quit());
beforeAll(() => waitFor(() => redis.status === 'ready', { what: 'the Redis connection' }));

/** A producer and queue views under a prefix of the test's own. */
function fresh() {
  const prefix = `{${uniquePrefix('producer')}}`;
  const producer = createProducer({ redis, prefix });
  cleanups.push(() => producer.close());
  const queue = (name: QueueName) => {
    const view = new Queue(name, { connection: redis, prefix });
    cleanups.push(() => view.close());
    return view;
  };
  return { prefix, producer, queue };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('producer', () => {
  it('adds a validated job with the catalog policy', async () => {
    const { producer, queue } = fresh();
    const data = { connectionId: randomUUID(), orderId: 7, source: 'trigger' } as const;
    const { id } = await producer.add('order-export', data);
    const job = await queue('order-export').getJob(id);
    expect(job?.data).toEqual(data);
    expect(job?.name).toBe('order-export');
    expect(job?.opts.attempts).toBe(8);
    expect(job?.opts.backoff).toEqual({ type: 'exponential', delay: 5_000, jitter: 0.5 });
    expect(job?.opts.removeOnComplete).toEqual({ age: 86_400, count: 1000 });
  });

  it('rejects an invalid payload before it reaches Redis', async () => {
    const { producer, queue } = fresh();
    const attempt = producer.add('crm-tasks', { connectionId: 'nope', incidentId: randomUUID() });
    await expect(attempt).rejects.toBeInstanceOf(PermanentError);
    await expect(attempt).rejects.toThrow(/connectionId/);
    expect(await queue('crm-tasks').count()).toBe(0);
  });

  it('rejects job ids BullMQ cannot take', async () => {
    const { producer } = fresh();
    const data = { connectionId: randomUUID(), kind: 'retailcrm-history' } as const;
    await expect(producer.add('reconcile', data, { jobId: 'a:b' })).rejects.toBeInstanceOf(PermanentError);
    await expect(producer.add('reconcile', data, { jobId: '123' })).rejects.toBeInstanceOf(PermanentError);
  });

  it('dedupes by jobId: an add is ignored while the job waits, and also after it completed (retention)', async () => {
    const { prefix, producer, queue } = fresh();
    const connectionId = randomUUID();
    const jobId = orderJobId('order-export', connectionId, 1);
    const data = { connectionId, orderId: 1, source: 'trigger' } as const;

    const first = await producer.add('order-export', data, { jobId });
    const second = await producer.add('order-export', { ...data, source: 'reconcile' }, { jobId });
    expect(first.id).toBe(jobId);
    expect(second.id).toBe(jobId);
    expect(await queue('order-export').getJobCounts('wait', 'delayed', 'active')).toEqual({
      wait: 1,
      delayed: 0,
      active: 0,
    });
    expect((await queue('order-export').getJob(jobId))?.data.source).toBe('trigger');

    const seen: string[] = [];
    const runner = startWorkers({
      redisUrl: testRedisUrl(),
      prefix,
      logger,
      owns: ['order-export'],
      handlers: [defineHandler('order-export', async ({ data }) => void seen.push(data.source))],
    });
    cleanups.push(() => runner.close());
    await waitFor(async () => (await queue('order-export').getJobState(jobId)) === 'completed', {
      what: 'the job to complete',
    });
    // The completed job is retained, so the same jobId is still taken: this add does nothing.
    await producer.add('order-export', { ...data, source: 'manual' }, { jobId });
    expect(await queue('order-export').getJobState(jobId)).toBe('completed');
    expect(seen).toEqual(['trigger']);
  });

  it('dedupes by dedupeId: collapses while waiting, keeps one follow-up while active, adds again after', async () => {
    const { prefix, producer, queue } = fresh();
    const connectionId = randomUUID();
    const dedupeId = orderJobId('order-export', connectionId, 2);
    const data = { connectionId, orderId: 2, source: 'trigger' } as const;

    const first = await producer.add('order-export', data, { dedupeId });
    const second = await producer.add('order-export', { ...data, source: 'reconcile' }, { dedupeId });
    expect(second.id).toBe(first.id);
    expect(await queue('order-export').getWaitingCount()).toBe(1);

    const release = gate();
    const seen: string[] = [];
    const runner = startWorkers({
      redisUrl: testRedisUrl(),
      prefix,
      logger,
      owns: ['order-export'],
      concurrency: 1,
      handlers: [
        defineHandler('order-export', async ({ data }) => {
          seen.push(data.source);
          if (seen.length === 1) await release.opened;
        }),
      ],
    });
    cleanups.push(() => runner.close());
    await waitFor(() => seen.length === 1, { what: 'the first job to start' });

    // While the first runs, the newest of these is kept and runs once after it.
    await producer.add('order-export', { ...data, source: 'outbox' }, { dedupeId });
    await producer.add('order-export', { ...data, source: 'manual' }, { dedupeId });
    release.open();
    await waitFor(() => seen.length === 2, { what: 'the follow-up job' });
    await waitFor(async () => (await queue('order-export').getJobCounts('active', 'wait')).active === 0, {
      what: 'the queue to go idle',
    });
    expect(seen).toEqual(['trigger', 'manual']);

    // Finished: the next add is a new job.
    await producer.add('order-export', { ...data, source: 'reconcile' }, { dedupeId });
    await waitFor(() => seen.length === 3, { what: 'a new job after completion' });
    expect(seen[2]).toBe('reconcile');
    expect(await queue('order-export').getCompletedCount()).toBe(3);
  });

  it('fails fast while Redis is down and recovers when it is back', async () => {
    const server = await startDedicatedRedis();
    cleanups.push(server.dispose);
    const producerRedis = createProducerRedis(server.url);
    cleanups.push(async () => producerRedis.disconnect());
    const producer = createProducer({ redis: producerRedis, prefix: `{${uniquePrefix('ff')}}` });
    cleanups.push(() => producer.close());
    const data = { connectionId: randomUUID(), incidentId: randomUUID() } as const;
    await waitFor(() => producerRedis.status === 'ready', { what: 'the producer connection' });
    await producer.add('crm-tasks', data);

    await server.stop();
    await waitFor(() => producerRedis.status !== 'ready', { what: 'the producer to notice the outage' });
    const startedAt = Date.now();
    const attempt = producer.add('crm-tasks', data);
    await expect(attempt).rejects.toBeInstanceOf(RetryableError);
    await expect(attempt).rejects.toMatchObject({ code: 'queue.redis_unavailable' });
    expect(Date.now() - startedAt).toBeLessThan(1_000);

    await server.start();
    await waitFor(() => producerRedis.status === 'ready', {
      what: 'the producer to reconnect',
      timeoutMs: 15_000,
    });
    await expect(producer.add('crm-tasks', data)).resolves.toHaveProperty('id');
  });
});
