import { randomBytes } from 'node:crypto';
import { createDatabase, type Database, type OutboxRepository } from '@connector/db';
import { createProducer, createProducerRedis, jobIdFor, type Producer } from '@connector/queue';
import { testRedisUrl, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createOutboxDrainer, type OutboxDrainer, type OutboxDrainerOptions } from './outbox-drainer.js';
import {
  type IngressFixture,
  memoryLogger,
  ORDER_QUEUES,
  openIngressFixture,
} from './test-support/ingress-fixture.js';

let fixture: IngressFixture;
const cleanups: Array<() => Promise<unknown>> = [];
const { logger } = memoryLogger();

beforeAll(async () => {
  fixture = await openIngressFixture();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await fixture?.close();
});

/** What one ingress process drains with: its own database pool and its own Redis connection. */
async function processLike(): Promise<{ db: Database; redis: Redis; producer: Producer }> {
  const db = createDatabase({
    url: fixture.database.url,
    secretsKey: Buffer.from(fixture.secretsKey, 'base64'),
  });
  const redis = createProducerRedis(testRedisUrl());
  const producer = createProducer({ redis, prefix: fixture.prefix });
  cleanups.push(async () => {
    await producer.close();
    await redis.quit();
    await db.close();
  });
  await waitFor(() => redis.status === 'ready', { what: 'the producer connection' });
  return { db, redis, producer };
}

/** Entries as the trigger route writes them while Redis is down. */
async function seedOutbox(count: number): Promise<string[]> {
  const tenant = await fixture.tenant();
  const jobIds: string[] = [];
  for (let orderId = 1; orderId <= count; orderId += 1) {
    const queue = ORDER_QUEUES[orderId % ORDER_QUEUES.length]!;
    const jobId = jobIdFor(queue, tenant.id, orderId, randomBytes(8).toString('hex'));
    await fixture.db.outbox.add({
      connectionId: tenant.id,
      queue,
      jobId,
      payload: { connectionId: tenant.id, orderId, source: 'outbox' },
    });
    jobIds.push(jobId);
  }
  return jobIds;
}

async function jobIdsInQueues(): Promise<string[]> {
  return (await fixture.jobs()).map((job) => String(job.id)).sort();
}

function drainerOf(
  target: { producer: Producer; outbox: Pick<OutboxRepository, 'claimBatch' | 'delete'> },
  options: {
    leaseMs?: number;
    batchSize?: number;
    redisReady?: () => boolean;
    paceFor?: OutboxDrainerOptions['paceFor'];
  } = {},
): OutboxDrainer {
  const drainer = createOutboxDrainer({
    ...(options.paceFor && { paceFor: options.paceFor }),
    outbox: target.outbox,
    producer: target.producer,
    redisReady: options.redisReady ?? (() => true),
    logger,
    intervalMs: 50,
    batchSize: options.batchSize ?? 100,
    leaseMs: options.leaseMs ?? 30_000,
  });
  cleanups.push(() => drainer.stop());
  return drainer;
}

describe('outbox drainer', () => {
  it('claims nothing while Redis is unavailable', async () => {
    const [jobId] = await seedOutbox(1);
    const { db, producer } = await processLike();
    const drainer = drainerOf({ producer, outbox: db.outbox }, { redisReady: () => false });
    expect(await drainer.drainOnce()).toEqual({ claimed: 0, enqueued: 0, deleted: 0 });
    // Not even claimed: the entry is free for the first drainer that can reach Redis.
    expect(await fixture.db.prisma.outbox.findUnique({ where: { jobId: jobId! } })).toMatchObject({
      attempts: 0,
      claimedUntil: null,
    });

    const live = drainerOf({ producer, outbox: db.outbox });
    expect(await live.drainOnce()).toEqual({ claimed: 1, enqueued: 1, deleted: 1 });
    const [job] = await fixture.jobs();
    expect(job?.id).toBe(jobId);
    expect(job?.queueName).toBe(jobId?.split('.')[0]);
    expect(job?.data).toMatchObject({ orderId: 1, source: 'outbox' });
  });

  it('two processes draining at once: each entry claimed by one of them, one job per entry', async () => {
    const before = await jobIdsInQueues();
    const jobIds = await seedOutbox(120);
    const processes = await Promise.all([processLike(), processLike()]);
    const claimedBy = processes.map(() => [] as string[]);
    const drainers = processes.map(({ db, producer }, index) =>
      drainerOf(
        {
          producer,
          outbox: {
            claimBatch: async (options) => {
              const entries = await db.outbox.claimBatch(options);
              claimedBy[index]!.push(...entries.map((entry) => entry.jobId));
              return entries;
            },
            delete: (id) => db.outbox.delete(id),
          },
        },
        { batchSize: 7 },
      ),
    );
    for (const drainer of drainers) drainer.start();
    await waitFor(async () => (await fixture.db.outbox.count()) === 0, { what: 'the outbox to empty' });
    await Promise.all(drainers.map((drainer) => drainer.stop()));

    const [first = [], second = []] = claimedBy;
    expect(first.filter((jobId) => second.includes(jobId))).toEqual([]);
    expect([...first, ...second].sort()).toEqual([...jobIds].sort());
    expect(await jobIdsInQueues()).toEqual([...before, ...jobIds].sort());
  });

  it('a drainer that dies between add and delete: its entries are taken over after the lease, still one job each', async () => {
    const before = await jobIdsInQueues();
    const jobIds = await seedOutbox(20);
    const { db, producer } = await processLike();
    const dying = drainerOf(
      {
        producer,
        outbox: {
          claimBatch: (options) => db.outbox.claimBatch(options),
          delete: async () => {
            throw new Error('process killed');
          },
        },
      },
      { leaseMs: 500 },
    );
    // The first entry is in Redis but still in the outbox; the other 19 are claimed and left.
    expect(await dying.drainOnce()).toEqual({ claimed: 20, enqueued: 1, deleted: 0 });
    expect(await jobIdsInQueues()).toEqual([...before, jobIds[0]!].sort());
    const enqueuedAt = (await fixture.jobs()).find((job) => job.id === jobIds[0])?.timestamp;

    const survivor = drainerOf({ producer, outbox: fixture.db.outbox });
    // The lease still holds: nothing to take over yet.
    expect((await survivor.drainOnce()).claimed).toBe(0);
    await waitFor(
      async () => {
        await survivor.drainOnce();
        return (await fixture.db.outbox.count()) === 0;
      },
      { what: 'the survivor to drain the expired claims', timeoutMs: 10_000 },
    );

    expect(await jobIdsInQueues()).toEqual([...before, ...jobIds].sort());
    // The entry enqueued twice is still the one job it was.
    expect((await fixture.jobs()).find((job) => job.id === jobIds[0])?.timestamp).toBe(enqueuedAt);
  });

  it('paces drained order-export entries like the trigger route; drains them unpaced when the pace cannot be read', async () => {
    const exportEntries = async () => {
      const tenant = await fixture.tenant();
      for (let orderId = 1; orderId <= 4; orderId += 1) {
        await fixture.db.outbox.add({
          connectionId: tenant.id,
          queue: 'order-export',
          jobId: jobIdFor('order-export', tenant.id, orderId, randomBytes(8).toString('hex')),
          payload: { connectionId: tenant.id, orderId, source: 'outbox' },
        });
      }
      return tenant.id;
    };
    const delaysOf = async (connectionId: string) =>
      (await fixture.jobs(connectionId))
        .sort((a, b) => (a.data as { orderId: number }).orderId - (b.data as { orderId: number }).orderId)
        .map((job) => job.opts.delay ?? 0);
    const target = await processLike();

    const paced = await exportEntries();
    await drainerOf(
      { producer: target.producer, outbox: target.db.outbox },
      { paceFor: async (queue, connectionId) => ({ key: `${queue}:${connectionId}`, intervalMs: 300 }) },
    ).drainOnce();
    const delays = await delaysOf(paced);
    expect(delays).toHaveLength(4);
    expect(delays[0]).toBe(0);
    for (const [i, delay] of delays.entries()) expect(delay).toBeGreaterThan(i * 300 - 100);

    const unpaced = await exportEntries();
    const summary = await drainerOf(
      { producer: target.producer, outbox: target.db.outbox },
      {
        paceFor: async () => {
          throw new Error('database is gone');
        },
      },
    ).drainOnce();
    expect(summary).toMatchObject({ claimed: 4, enqueued: 4, deleted: 4 });
    expect(await delaysOf(unpaced)).toEqual([0, 0, 0, 0]);
  });
});
