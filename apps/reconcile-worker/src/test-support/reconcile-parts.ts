// Test-only (excluded from the build): the parts the sweep and the history scan run on, without a worker
// around them: the sandbox simulators, a migrated database and a queue prefix of the test file's own, a
// producer, a tenant runtime, and the order queues to read the jobs they queued.
import { randomBytes } from 'node:crypto';
import {
  type ConnectionSettingsInput,
  createDatabase,
  createTokenCipher,
  type Database,
  migrate,
} from '@connector/db';
import { createLogger, type Logger } from '@connector/logger';
import {
  createProducer,
  createRateLimiter,
  createRedisTokenStore,
  createWorkerRedis,
  type Producer,
} from '@connector/queue';
import { createTenantRuntime, type Tenant, type TenantRuntime } from '@connector/tenant';
import {
  createTestDatabase,
  type Sandbox,
  type Tenant as SeededTenant,
  seedTenant,
  startTestSandbox,
  type TestDatabase,
  testRedisUrl,
  uniquePrefix,
} from '@connector/testkit';
import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export type OrderQueue = 'order-export' | 'order-cancel' | 'order-refund';
export const ORDER_QUEUES: OrderQueue[] = ['order-export', 'order-cancel', 'order-refund'];

export interface OpenedConnection {
  seeded: SeededTenant;
  connectionId: string;
  /** The connection as the runtime opens it for a job. */
  tenant: Tenant;
}

export interface ReconcileParts {
  logger: Logger;
  sandbox: Sandbox;
  db: Database;
  redis: Redis;
  prefix: string;
  producer: Producer;
  runtime: TenantRuntime;
  queues: Map<OrderQueue, Queue>;
  /**
   * A RetailCRM account without trigger rules (every trigger is lost, one site) and its active connection
   * with `settings` over the seeded ones, opened by the runtime once `prepare` has run.
   */
  connect(
    settings?: ConnectionSettingsInput,
    prepare?: (connectionId: string, seeded: SeededTenant) => Promise<void>,
  ): Promise<OpenedConnection>;
  /** The connection's jobs in `queue`, in every state, by order id. */
  jobsByOrder(queue: OrderQueue, connectionId: string): Promise<Map<number, Job[]>>;
  close(): Promise<void>;
}

export async function startReconcileParts(service: string): Promise<ReconcileParts> {
  const logger = createLogger({ service, level: process.env.LOG_LEVEL ?? 'error' });
  const sandbox = await startTestSandbox();
  const database: TestDatabase = await createTestDatabase({ migrate: (url) => migrate(url) });
  const db = createDatabase({ url: database.url, secretsKey: randomBytes(32), logger });
  const redis = createWorkerRedis(testRedisUrl());
  await redis.ping();
  const prefix = `{${uniquePrefix()}}`;
  const producer = createProducer({ redis, prefix });
  const runtime = createTenantRuntime({
    db,
    limiter: createRateLimiter(redis, { prefix }),
    tokenStore: createRedisTokenStore(redis, prefix, createTokenCipher(randomBytes(32))),
    lifeposApiUrl: sandbox.lifeposUrl,
    retailcrmAllowedHosts: ['127.0.0.1:*'],
    logger,
  });
  const queues = new Map(ORDER_QUEUES.map((name) => [name, new Queue(name, { connection: redis, prefix })]));
  return {
    logger,
    sandbox,
    db,
    redis,
    prefix,
    producer,
    runtime,
    queues,
    async connect(settings = {}, prepare) {
      const seeded = await seedTenant(sandbox, { sites: 1 });
      const connection = await db.connections.create({
        ...seeded.connection,
        settings: { ...seeded.connection.settings, ...settings },
        status: 'active',
      });
      await prepare?.(connection.id, seeded);
      return { seeded, connectionId: connection.id, tenant: await runtime.open(connection.id) };
    },
    async jobsByOrder(queue, connectionId) {
      const all = await queues
        .get(queue)!
        .getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
      const byOrder = new Map<number, Job[]>();
      for (const job of all) {
        if (job.data.connectionId !== connectionId) continue;
        byOrder.set(job.data.orderId, [...(byOrder.get(job.data.orderId) ?? []), job]);
      }
      return byOrder;
    },
    async close() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      await producer.close();
      await redis.quit();
      await db.close();
      await sandbox.close();
      await database.drop();
    },
  };
}
