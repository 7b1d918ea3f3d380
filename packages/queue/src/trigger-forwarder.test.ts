import { randomUUID } from 'node:crypto';
import { RetryableError } from '@connector/domain';
import { createLogger } from '@connector/logger';
import { startDedicatedRedis, testRedisUrl, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { jobIdFor, type QueueName } from './catalog.js';
import { orderExportPace } from './pacing.js';
import { createProducer } from './producer.js';
import { createProducerRedis, createWorkerRedis } from './redis-connections.js';
import { type ForwardedTrigger, startTriggerForwarder } from './trigger-forwarder.js';
import {
  createTriggerAppender,
  FORWARDERS_GROUP,
  type StreamedTrigger,
  TRIGGERS_FIELD,
  triggerStreamKey,
} from './trigger-stream.js';

const logger = createLogger({ service: 'queue-test', level: 'error' });
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const redis = createWorkerRedis(testRedisUrl());
const producerRedis = createProducerRedis(testRedisUrl());
cleanups.push(
  () => redis.quit(),
  () => producerRedis.quit(),
);
beforeAll(() =>
  waitFor(() => redis.status === 'ready' && producerRedis.status === 'ready', {
    what: 'the Redis connections',
  }),
);

function trigger(connectionId: string, orderId: number, overrides: Partial<StreamedTrigger> = {}) {
  return {
    queue: 'order-export',
    connectionId,
    orderId,
    status: 'new',
    jobId: jobIdFor('order-export', connectionId, orderId, randomUUID().slice(0, 8)),
    receivedAt: Date.now(),
    ...overrides,
  } satisfies StreamedTrigger;
}

/** A prefix of the test's own, its producer, a forwarder on it and what the forwarder recorded. */
function fresh(options: { reclaimIdleMs?: number; goneConsumerIdleMs?: number; start?: boolean } = {}) {
  const prefix = `{${uniquePrefix('forward')}}`;
  const producer = createProducer({ redis, prefix });
  const recorded: ForwardedTrigger[] = [];
  const start = () => {
    const forwarder = startTriggerForwarder({
      redis,
      producer,
      prefix,
      logger,
      blockMs: 200,
      ...(options.reclaimIdleMs !== undefined && { reclaimIdleMs: options.reclaimIdleMs }),
      ...(options.goneConsumerIdleMs !== undefined && { goneConsumerIdleMs: options.goneConsumerIdleMs }),
      onForwarded: async (batch) => {
        recorded.push(...batch);
      },
    });
    cleanups.push(() => forwarder.stop());
    return forwarder;
  };
  if (options.start !== false) start();
  cleanups.push(() => producer.close());
  const queue = (name: QueueName) => {
    const view = new Queue(name, { connection: redis, prefix });
    cleanups.push(() => view.close());
    return view;
  };
  const appender = createTriggerAppender(producerRedis, prefix);
  const settled = () =>
    waitFor(async () => (await redis.xlen(triggerStreamKey(prefix))) === 0, { what: 'the stream to drain' });
  return { prefix, producer, recorded, start, queue, appender, settled };
}

describe('trigger stream', () => {
  it('forwards every trigger into its queue, each connection’s in arrival order, and records each once', async () => {
    const { appender, queue, recorded, settled } = fresh();
    const shop = randomUUID();
    const other = randomUUID();
    const pace = orderExportPace(shop, { retailcrmPerSecond: 2, lifeposPerSecond: 5 });
    const shopTriggers = [1, 2, 3, 4].map((order) => trigger(shop, order, { pace }));
    const cancel = trigger(other, 9, {
      queue: 'order-cancel',
      status: 'closed',
      jobId: jobIdFor('order-cancel', other, 9, 'x1'),
    });
    // One event-loop turn: one stream entry for all five.
    await Promise.all([...shopTriggers, cancel].map((one) => appender.append(one)));
    await settled();

    const exports = await queue('order-export').getJobs(['delayed', 'wait']);
    expect(exports.map((job) => job.id).sort()).toEqual(shopTriggers.map((one) => one.jobId).sort());
    // The shop's slots follow the triggers' order.
    const delayOf = (orderId: number) => exports.find((job) => job.data.orderId === orderId)?.opts.delay ?? 0;
    expect([1, 2, 3, 4].map(delayOf)).toEqual([...[1, 2, 3, 4].map(delayOf)].sort((a, b) => a - b));
    expect(delayOf(4)).toBeGreaterThan(1_000);
    const [cancelJob] = await queue('order-cancel').getJobs(['wait']);
    expect(cancelJob?.id).toBe(cancel.jobId);
    expect(cancelJob?.data).toEqual({ connectionId: other, orderId: 9, source: 'trigger' });
    await waitFor(() => recorded.length === 5, { what: 'the records' });
    expect(recorded.every((one) => !one.deduplicated && one.jobId === one.trigger.jobId)).toBe(true);
  });

  it('merges a trigger into the order’s waiting job and says so', async () => {
    const { appender, queue, recorded, settled } = fresh();
    const shop = randomUUID();
    const first = trigger(shop, 7);
    await appender.append(first);
    await settled();
    await appender.append(trigger(shop, 7));
    await settled();
    expect((await queue('order-export').getJobs(['wait'])).map((job) => job.id)).toEqual([first.jobId]);
    await waitFor(() => recorded.length === 2, { what: 'the records' });
    expect(recorded.map((one) => [one.jobId, one.deduplicated])).toEqual([
      [first.jobId, false],
      [first.jobId, true],
    ]);
  });

  it('claims the entries a forwarder left unacknowledged (it died) once they are idle long enough', async () => {
    const { prefix, appender, queue, start, settled } = fresh({ reclaimIdleMs: 300, start: false });
    const key = triggerStreamKey(prefix);
    await redis.xgroup('CREATE', key, FORWARDERS_GROUP, '0', 'MKSTREAM');
    const lost = trigger(randomUUID(), 1);
    await appender.append(lost);
    // A forwarder read it and died before adding it.
    const read = await redis.xreadgroup(
      'GROUP',
      FORWARDERS_GROUP,
      'dead-one',
      'COUNT',
      10,
      'STREAMS',
      key,
      '>',
    );
    expect(read).not.toBeNull();

    start();
    await settled();
    expect((await queue('order-export').getJobs(['wait'])).map((job) => job.id)).toEqual([lost.jobId]);
  });

  it('starts over when Redis lost the stream and its group', async () => {
    const { prefix, appender, queue, settled } = fresh();
    const key = triggerStreamKey(prefix);
    await appender.append(trigger(randomUUID(), 1));
    await settled();
    await redis.del(key);

    const after = trigger(randomUUID(), 2);
    await appender.append(after);
    await settled();
    await waitFor(async () => (await queue('order-export').getJob(after.jobId)) !== undefined, {
      what: 'the trigger appended after the loss',
    });
  });

  it('leaves the group when it stops, and removes consumers long gone that left nothing pending', async () => {
    const { prefix, appender, start } = fresh({ start: false, goneConsumerIdleMs: 100 });
    const key = triggerStreamKey(prefix);
    await redis.xgroup('CREATE', key, FORWARDERS_GROUP, '0', 'MKSTREAM');
    // A consumer of a worker that died (nothing pending) and one that holds an entry.
    await redis.xgroup('CREATECONSUMER', key, FORWARDERS_GROUP, 'gone');
    await appender.append(trigger(randomUUID(), 1));
    await redis.xreadgroup('GROUP', FORWARDERS_GROUP, 'holds-one', 'COUNT', 1, 'STREAMS', key, '>');
    const consumers = async () =>
      ((await redis.xinfo('CONSUMERS', key, FORWARDERS_GROUP)) as unknown[][])
        .map((fields) => fields[1])
        .sort();
    await new Promise((resolve) => setTimeout(resolve, 150));

    const forwarder = start();
    await waitFor(async () => !(await consumers()).includes('gone'), { what: 'the gone consumer removed' });
    expect(await consumers()).toEqual(expect.arrayContaining(['holds-one']));
    expect(await consumers()).toHaveLength(2);
    await forwarder.stop();
    expect(await consumers()).toEqual(['holds-one']);
  });

  it('starts on a Redis without the stream without a failed round (which would pause it a second)', async () => {
    const warnings: string[] = [];
    const prefix = `{${uniquePrefix('forward')}}`;
    const producer = createProducer({ redis, prefix });
    const watching = createLogger({ service: 'queue-test', level: 'warn' });
    watching.on('data', (record: { message?: string }) => warnings.push(String(record.message)));
    const forwarder = startTriggerForwarder({ redis, producer, prefix, logger: watching, blockMs: 200 });
    cleanups.push(
      () => forwarder.stop(),
      () => producer.close(),
    );
    await waitFor(async () => (await redis.exists(triggerStreamKey(prefix))) === 1, {
      what: 'the group made',
    });
    const first = trigger(randomUUID(), 1);
    await createTriggerAppender(producerRedis, prefix).append(first);
    await waitFor(async () => (await redis.xlen(triggerStreamKey(prefix))) === 0, {
      what: 'the trigger forwarded',
    });
    expect(warnings).toEqual([]);
  });

  it('drops an entry that is not a list of triggers instead of retrying it for ever', async () => {
    const { prefix, settled } = fresh();
    await redis.xadd(triggerStreamKey(prefix), '*', TRIGGERS_FIELD, 'not json');
    await settled();
  });

  it('refuses to take a trigger while Redis is down, with a retryable error (the ingress uses its outbox)', async () => {
    const dedicated = await startDedicatedRedis();
    cleanups.push(dedicated.dispose);
    const failFast = createProducerRedis(dedicated.url);
    cleanups.push(async () => failFast.disconnect());
    await waitFor(() => failFast.status === 'ready', { what: 'the dedicated Redis' });
    const appender = createTriggerAppender(failFast, `{${uniquePrefix('forward')}}`);
    await appender.append(trigger(randomUUID(), 1));

    await dedicated.stop();
    await waitFor(() => failFast.status !== 'ready', { what: 'the connection to notice' });
    await expect(appender.append(trigger(randomUUID(), 2))).rejects.toBeInstanceOf(RetryableError);
  });
});
