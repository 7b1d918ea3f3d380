// Test-only: the webhook-worker started in-process against the sandbox simulators, a migrated database and
// a queue prefix of the test file's own; tenants seeded through the sandbox and subscribed like the console
// does on activation.
import { randomBytes } from 'node:crypto';
import { type ConnectionRecord, type ConnectionSettingsInput, migrate } from '@connector/db';
import { saleMetaFor } from '@connector/domain';
import { type QueueName, type QueuePolicy, queueDrained } from '@connector/queue';
import { subscribeConnection } from '@connector/tenant';
import {
  createTestDatabase,
  freePort,
  type Sandbox,
  seedTenant,
  startTestSandbox,
  type Tenant,
  type TenantOptions,
  type TenantOrder,
  type TestDatabase,
  testRedisUrl,
  uniquePrefix,
  waitFor,
} from '@connector/testkit';
import { type Job, Queue } from 'bullmq';
import { startWebhookWorker, type WebhookWorker } from '../start-webhook-worker.js';

/** Retries in milliseconds instead of minutes. */
export const FAST_RETRIES: Partial<QueuePolicy> = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 50, jitter: 0 },
};

export interface SeededConnection {
  seeded: Tenant;
  connection: ConnectionRecord;
}

export interface WebhookFixture {
  sandbox: Sandbox;
  worker: WebhookWorker;
  database: TestDatabase;
  /** SECRETS_KEY of the worker (base64), for other apps sharing its database. */
  secretsKey: string;
  redisUrl: string;
  prefix: string;
  /** Base URL of the worker (= its PUBLIC_URL). */
  url: string;
  /** A tenant in both simulators and its active connection, subscribed to notifications unless told not to. */
  seed(options?: {
    tenant?: TenantOptions;
    settings?: ConnectionSettingsInput;
    subscribe?: boolean;
  }): Promise<SeededConnection>;
  /** A RetailCRM order and the LIFE POS sale an export made of it, linked. */
  exportedOrder(tenant: SeededConnection): Promise<{ order: TenantOrder; saleId: string }>;
  queue(name: QueueName): Queue;
  /**
   * Every notification delivered and every lifepos-events job done (none waiting, delayed or running),
   * apart from the next runs the check schedulers keep waiting.
   */
  settled(timeoutMs?: number): Promise<void>;
  /** Jobs of a queue in any state. */
  jobs(name: QueueName): Promise<Job[]>;
  close(): Promise<void>;
}

export interface WebhookFixtureOptions {
  /** Redis of the worker (default the shared test Redis). */
  redisUrl?: string;
  policies?: Partial<Record<QueueName, Partial<QueuePolicy>>>;
}

export async function startWebhookFixture(options: WebhookFixtureOptions = {}): Promise<WebhookFixture> {
  const sandbox = await startTestSandbox({ notifications: { baseDelayMs: 20, maxDelayMs: 200 } });
  const database = await createTestDatabase({ migrate: (url) => migrate(url) });
  const redisUrl = options.redisUrl ?? testRedisUrl();
  const prefix = `{${uniquePrefix()}}`;
  const secretsKey = randomBytes(32).toString('base64');
  // LIFE POS must be told the URL before the worker listens: its port is chosen here.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const worker = await startWebhookWorker({
    host: '127.0.0.1',
    env: {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      SECRETS_KEY: secretsKey,
      LIFEPOS_API_URL: sandbox.lifeposUrl,
      RETAILCRM_ALLOWED_HOSTS: '127.0.0.1:*',
      QUEUE_PREFIX: prefix,
      PUBLIC_URL: url,
      PORT: String(port),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    },
    policies: { 'lifepos-events': FAST_RETRIES, ...options.policies },
    // Tests run the schedule pass themselves (`worker.schedules.runNow()`).
    scheduleCheckEveryMs: 3_600_000,
  });
  // The receiver answers 503 until its fail-fast connection is up.
  await waitFor(() => worker.receiverRedis.status === 'ready', { what: 'the receiver connection' });
  const { db, runtime } = worker.deps;
  const queues = new Map<QueueName, Queue>();
  const queue = (name: QueueName) => {
    let found = queues.get(name);
    if (!found) {
      found = new Queue(name, { connection: worker.deps.redis, prefix });
      queues.set(name, found);
    }
    return found;
  };

  return {
    sandbox,
    worker,
    database,
    secretsKey,
    redisUrl,
    prefix,
    url,
    async seed({ tenant = {}, settings = {}, subscribe = true } = {}) {
      const seeded = await seedTenant(sandbox, {
        ...tenant,
        lifepos: { rateLimit: { enabled: false }, ...tenant.lifepos },
        retailcrm: { rateLimit: { enabled: false }, ...tenant.retailcrm },
      });
      const connection = await db.connections.create({
        ...seeded.connection,
        status: 'active',
        settings: {
          ...seeded.connection.settings,
          rateLimits: { retailcrmPerSecond: 100, lifeposPerSecond: 100 },
          ...settings,
        },
      });
      if (subscribe) await subscribeConnection(await runtime.open(connection.id), url);
      return { seeded, connection };
    },
    async exportedOrder({ seeded, connection }) {
      const order = seeded.createOrder({ store: seeded.stores[0]!.code, status: seeded.statuses.send });
      const sale = sandbox.lifepos.seedSale(seeded.orgId, {
        number: order.number,
        total: Math.round(order.totalSumm * 100),
        meta: saleMetaFor(order.id),
      });
      await db.orderLinks.upsert(connection.id, order.id, {
        state: 'exported',
        retailcrmOrderNumber: order.number,
        lifeposSaleId: sale.guid,
        lifeposOutletId: sale.outlet.guid,
        lifeposSaleNumber: sale.number,
      });
      return { order, saleId: sale.guid };
    },
    queue,
    async settled(timeoutMs = 20_000) {
      await sandbox.lifepos.notificationsIdle();
      const events = queue('lifepos-events');
      await waitFor(() => queueDrained(events), { timeoutMs, what: 'the lifepos-events queue to drain' });
    },
    jobs: (name) => queue(name).getJobs(),
    async close() {
      // The queues ride on the worker's connection: closed before it is.
      await Promise.all([...queues.values()].map((q) => q.close()));
      await worker.close();
      await sandbox.close();
      await database.drop();
    },
  };
}
