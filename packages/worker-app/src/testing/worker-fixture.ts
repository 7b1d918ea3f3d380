// Test-only (not built): a worker app started in-process against the sandbox simulators, a
// migrated database and a queue prefix of the test file's own, tenants seeded through the sandbox, and
// helpers to enqueue order jobs and wait for them to settle.
import { randomBytes } from 'node:crypto';
import { migrate, type OrderEventRecord } from '@connector/db';
import { saleMetaFor } from '@connector/domain';
import { createProducer, type Producer, type QueueName, type QueuePolicy } from '@connector/queue';
import {
  createTestDatabase,
  type Sandbox,
  seedTenant,
  startTestSandbox,
  type Tenant,
  type TenantOptions,
  type TestDatabase,
  testRedisUrl,
  uniquePrefix,
  waitFor,
} from '@connector/testkit';
import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '../index.js';

type OrderQueue = 'order-export' | 'order-cancel' | 'order-refund';

/** Retries in milliseconds instead of minutes. */
export const FAST_RETRIES: Partial<QueuePolicy> = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 50, jitter: 0 },
};

export interface SeededConnection {
  seeded: Tenant;
  connectionId: string;
}

export interface WorkerFixture {
  sandbox: Sandbox;
  app: WorkerApp;
  /** A tenant in both simulators and its active connection. */
  seed(options?: TenantOptions): Promise<SeededConnection>;
  /** Adds an order job (no deduplication: each call is a job of its own); resolves to its id. */
  enqueue(queue: OrderQueue, connectionId: string, orderId: number): Promise<string>;
  /** Waits until the job has completed or failed for good. */
  settled(queue: OrderQueue, jobId: string, timeoutMs?: number): Promise<Job>;
  timeline(connectionId: string, orderId: number): Promise<OrderEventRecord[]>;
  /** A LIFE POS sale for the order as an earlier export left it, and its link (unless `linked: false`). */
  exportedSale(
    connection: SeededConnection,
    order: { id: number; number: string; totalSumm: number },
    options?: { linked?: boolean },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function startWorkerFixture(
  options: Pick<WorkerAppOptions, 'service' | 'owns' | 'handlers' | 'ownsCrmTasks' | 'concurrency'> & {
    policies?: Partial<Record<QueueName, Partial<QueuePolicy>>>;
  },
): Promise<WorkerFixture> {
  const sandbox = await startTestSandbox();
  const database: TestDatabase = await createTestDatabase({ migrate: (url) => migrate(url) });
  const prefix = `{${uniquePrefix()}}`;
  const app = await startWorkerApp({
    ...options,
    env: {
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      SECRETS_KEY: randomBytes(32).toString('base64'),
      LIFEPOS_API_URL: sandbox.lifeposUrl,
      RETAILCRM_ALLOWED_HOSTS: '127.0.0.1:*',
      QUEUE_PREFIX: prefix,
      PORT: '0',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    },
  });
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  // The producer refuses to wait for a connection (fail fast); let it be up first.
  await redis.ping();
  const producer: Producer = createProducer({
    redis,
    prefix,
    ...(options.policies ? { policies: options.policies } : {}),
  });
  const queues = new Map<OrderQueue, Queue>();
  const queueOf = (name: OrderQueue) => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: redis, prefix });
      queues.set(name, queue);
    }
    return queue;
  };
  const { db } = app.deps;

  return {
    sandbox,
    app,
    async seed(tenantOptions = {}) {
      const seeded = await seedTenant(sandbox, tenantOptions);
      const connection = await db.connections.create({
        ...seeded.connection,
        // The simulated LIFE POS organization allows 20 requests/s; the production default is gentler.
        settings: { ...seeded.connection.settings, rateLimits: { lifeposPerSecond: 20 } },
        status: 'active',
      });
      return { seeded, connectionId: connection.id };
    },
    async enqueue(queue, connectionId, orderId) {
      const { id } = await producer.add(queue, { connectionId, orderId, source: 'trigger' });
      return id;
    },
    settled(queue, jobId, timeoutMs = 20_000) {
      return waitFor(
        async () => {
          const state = await queueOf(queue).getJobState(jobId);
          // Read the job after its state is final, so attemptsMade and the results are final too.
          return state === 'completed' || state === 'failed' ? queueOf(queue).getJob(jobId) : undefined;
        },
        { timeoutMs, what: `${queue} job ${jobId} to settle` },
      );
    },
    timeline: (connectionId, orderId) => db.orderEvents.list(connectionId, orderId),
    async exportedSale({ seeded, connectionId }, order, { linked = true } = {}) {
      const sale = sandbox.lifepos.seedSale(seeded.orgId, {
        number: order.number,
        total: Math.round(order.totalSumm * 100),
        meta: saleMetaFor(order.id),
      });
      if (linked) {
        await db.orderLinks.upsert(connectionId, order.id, {
          state: 'exported',
          retailcrmOrderNumber: order.number,
          lifeposSaleId: sale.guid,
          lifeposOutletId: sale.outlet.guid,
          lifeposSaleNumber: sale.number,
        });
      }
      return sale.guid;
    },
    async close() {
      await app.close();
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      await producer.close();
      await redis.quit();
      await sandbox.close();
      await database.drop();
    },
  };
}
