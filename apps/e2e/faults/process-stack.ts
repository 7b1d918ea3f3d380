// The trigger pipeline with the export worker in a process of its own (so it can be SIGKILLed and its
// memory read): the sandbox simulators, the ingress and the sync worker (sync + the RetailCRM error tasks)
// in this process, on one migrated database and one queue prefix. On request also the webhook worker
// (LIFE POS notifications → RetailCRM), in a process of its own as well. The fault suite and the pipeline
// benchmark both build on it.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ConnectionSettingsInput, createDatabase, type Database, migrate } from '@connector/db';
import { saleMetaFor } from '@connector/domain';
import { type RunningIngress, startIngress, TRIGGER_PATH } from '@connector/ingress';
import {
  createProducer,
  createProducerRedis,
  createWorkerRedis,
  type Producer,
  type QueueName,
  type QueuePolicy,
  triggerStreamKey,
} from '@connector/queue';
import { type SyncWorker, startSyncWorker } from '@connector/sync-worker';
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
  uniquePrefix,
  waitFor,
} from '@connector/testkit';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { quietLogger } from '../src/stack.js';
import { type AppProcess, spawnApp } from './app-process.js';

export interface ProcessStackOptions {
  redisUrl: string;
  /** The PostgreSQL server the stack's database is made on; default the shared one of the Jest run. */
  databaseAdminUrl?: string;
  /** Extra environment of every app of the stack (e.g. shorter database timeouts). */
  env?: Record<string, string>;
  /** Extra ingress environment (e.g. a higher INGRESS_FLOOD_PER_SECOND for a backlog replay). */
  ingressEnv?: Record<string, string>;
  /** Run the export worker's built dist/main.js instead of its sources through tsx (see `spawnApp`). */
  compiledExportWorker?: boolean;
  /** Extra export worker environment (e.g. NODE_OPTIONS with heap limits). */
  exportWorkerEnv?: Record<string, string>;
  /**
   * The LIFE POS API of simulators running elsewhere (the benchmarks' own sandbox process). Then no sandbox
   * runs in this process: `sandbox`, `seed`, `seedShops` and `salesOf` are not available.
   */
  lifeposApiUrl?: string;
}

export interface SeedOptions {
  tenant?: TenantOptions;
  /** The connection's own per-second limits (default: the connection settings' defaults, 10 and 5). */
  rateLimits?: { retailcrmPerSecond?: number; lifeposPerSecond?: number };
  /** Other connection settings over the tenant's (e.g. a longer `lifeposPollSeconds`). */
  settings?: Omit<ConnectionSettingsInput, 'rateLimits'>;
}

export type TriggerStatus = 'new' | 'closed' | 'refund';

export interface ProcessStack {
  sandbox: Sandbox;
  ingress: RunningIngress;
  syncWorker: SyncWorker;
  db: Database;
  /** The environment every app of the stack gets. */
  env: Record<string, string>;
  /** The export worker process running now. */
  exportWorker(): AppProcess;
  /** SIGKILLs the export worker (if it runs) and starts a new one. */
  restartExportWorker(): Promise<AppProcess>;
  /**
   * Starts the webhook worker (the receiver of LIFE POS notifications and the `lifepos-events` consumer)
   * in a process of its own, its PUBLIC_URL its own address. As at any start, it schedules the checks of
   * the active connections, whose first subscription check points their LIFE POS notifications at it.
   */
  startWebhookWorker(): Promise<AppProcess>;
  /**
   * SIGKILLs the webhook worker (if it runs) and starts a new one at the same address, as a restarted
   * deployment keeps its PUBLIC_URL: the notifications LIFE POS retries reach the new process.
   */
  restartWebhookWorker(): Promise<AppProcess>;
  /** The webhook worker process, once started. */
  webhookWorker(): AppProcess | undefined;
  /** A tenant in both simulators and its active connection. */
  seed(options?: SeedOptions): Promise<{ tenant: Tenant; connectionId: string }>;
  /**
   * `count` shops of one site each, their connections allowed 15 LIFE POS calls/s (under the simulated
   * organization's 20), each with `orders` new orders in the export status at its first store.
   */
  seedShops(
    count: number,
    orders: number,
    options?: SeedOptions,
  ): Promise<Array<{ tenant: Tenant; connectionId: string; orders: TenantOrder[] }>>;
  /** Waits until the queue has nothing active, waiting or delayed. */
  queueIdle(name: QueueName, timeoutMs: number): Promise<void>;
  /** Waits until every trigger the ingress accepted was forwarded into its queue (the stream is empty). */
  triggersForwarded(timeoutMs?: number): Promise<void>;
  /** Posts a trigger to the ingress as RetailCRM's "HTTP request" action does. */
  trigger(tenant: Pick<Tenant, 'orgId'>, orderId: number, status?: TriggerStatus): Promise<Response>;
  /** The LIFE POS sales of one RetailCRM order (by the `meta` the export writes). */
  salesOf(orgId: string, orderId: number): ReturnType<Sandbox['lifepos']['sales']>;
  /** A producer on the stack's queues; `policies` e.g. shorten backoffs for jobs a test enqueues itself. */
  producer(policies?: Partial<Record<QueueName, Partial<QueuePolicy>>>): Promise<Producer>;
  /** A BullMQ queue of the stack, for inspecting job counts and states. */
  queue(name: QueueName): Queue;
  close(): Promise<void>;
}

export async function startProcessStack({
  redisUrl,
  databaseAdminUrl,
  env: extraEnv = {},
  ingressEnv = {},
  compiledExportWorker = false,
  exportWorkerEnv = {},
  lifeposApiUrl,
}: ProcessStackOptions): Promise<ProcessStack> {
  const local = lifeposApiUrl === undefined ? await startTestSandbox() : undefined;
  const inProcess = (): Sandbox => {
    if (!local) throw new Error('the simulators of this stack run in a process of their own');
    return local;
  };
  const database: TestDatabase = await createTestDatabase({
    migrate: (url) => migrate(url),
    ...(databaseAdminUrl !== undefined && { adminUrl: databaseAdminUrl }),
  });
  const secretsKey = randomBytes(32);
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    SECRETS_KEY: secretsKey.toString('base64'),
    LIFEPOS_API_URL: lifeposApiUrl ?? inProcess().lifeposUrl,
    RETAILCRM_ALLOWED_HOSTS: '127.0.0.1:*',
    QUEUE_PREFIX: `{${uniquePrefix('faults')}}`,
    PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    ...extraEnv,
  };
  const ingress = await startIngress({
    env: { ...env, OUTBOX_LEASE_MS: '1000', OUTBOX_DRAIN_INTERVAL_MS: '200', ...ingressEnv },
    host: '127.0.0.1',
    logger: quietLogger('ingress'),
  });
  const syncWorker = await startSyncWorker({ env, logger: quietLogger('sync-worker') });
  const startExportWorker = () =>
    spawnApp({ app: 'export-worker', env: { ...env, ...exportWorkerEnv }, compiled: compiledExportWorker });
  let exportWorker = await startExportWorker();
  let webhookWorker: AppProcess | undefined;
  /**
   * The webhook worker at the port `portOf` gives. A port another process took between its choice and the
   * listen (the test runs share the machine; an outgoing connection may get a port just freed) is asked
   * for again, a few times.
   */
  const spawnWebhookWorker = async (portOf: () => Promise<number>): Promise<AppProcess> => {
    for (let attempt = 1; ; attempt += 1) {
      const port = await portOf();
      try {
        return await spawnApp({
          app: 'webhook-worker',
          env: { ...env, PUBLIC_URL: `http://127.0.0.1:${port}` },
          port,
        });
      } catch (error) {
        if (attempt >= 5 || !(error instanceof Error && error.message.includes('EADDRINUSE'))) throw error;
        await sleep(250 * attempt);
      }
    }
  };
  const db = createDatabase({ url: database.url, secretsKey, logger: quietLogger('e2e') });
  const ingressUrl = `${ingress.url}${TRIGGER_PATH}`;

  const producers: { producer: Producer; redis: Redis }[] = [];
  const queues = new Map<QueueName, { queue: Queue; redis: Redis }>();

  const stack: ProcessStack = {
    get sandbox() {
      return inProcess();
    },
    ingress,
    syncWorker,
    db,
    env,
    exportWorker: () => exportWorker,
    async restartExportWorker() {
      await exportWorker.kill('SIGKILL');
      exportWorker = await startExportWorker();
      return exportWorker;
    },
    async startWebhookWorker() {
      if (webhookWorker?.isRunning()) throw new Error('the webhook worker is running already');
      // LIFE POS is told the notification URL, so the address is known before the process starts.
      webhookWorker = await spawnWebhookWorker(freePort);
      return webhookWorker;
    },
    async restartWebhookWorker() {
      if (!webhookWorker) throw new Error('the webhook worker was never started');
      await webhookWorker.kill('SIGKILL');
      const port = Number(new URL(webhookWorker.url).port);
      webhookWorker = await spawnWebhookWorker(async () => port);
      return webhookWorker;
    },
    webhookWorker: () => webhookWorker,
    async seed({ tenant: tenantOptions = {}, rateLimits = {}, settings = {} } = {}) {
      const tenant = await seedTenant(inProcess(), { ingressUrl, ...tenantOptions });
      const connection = await db.connections.create({
        ...tenant.connection,
        settings: { ...tenant.connection.settings, ...settings, rateLimits },
        status: 'active',
      });
      return { tenant, connectionId: connection.id };
    },
    trigger(tenant, orderId, status = 'new') {
      return fetch(ingressUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: tenant.orgId, order_id: String(orderId), status }).toString(),
        signal: AbortSignal.timeout(15_000),
      });
    },
    salesOf: (orgId, orderId) =>
      inProcess()
        .lifepos.sales(orgId)
        .filter(({ sale }) => sale.meta === saleMetaFor(orderId)),
    async producer(policies = {}) {
      const redis = createProducerRedis(redisUrl, { name: 'e2e-producer' });
      // The producer fails fast while its connection is not ready yet.
      if (redis.status !== 'ready') await once(redis, 'ready');
      const producer = createProducer({ redis, prefix: env.QUEUE_PREFIX!, policies });
      producers.push({ producer, redis });
      return producer;
    },
    async seedShops(count, orders, options = {}) {
      return Promise.all(
        Array.from({ length: count }, async () => {
          const seeded = await stack.seed({
            ...options,
            tenant: { sites: 1, ...options.tenant },
            rateLimits: { lifeposPerSecond: 15, ...options.rateLimits },
          });
          const { tenant } = seeded;
          return {
            ...seeded,
            orders: Array.from({ length: orders }, () =>
              tenant.createOrder({ store: tenant.stores[0]!.code, status: tenant.statuses.send }),
            ),
          };
        }),
      );
    },
    async triggersForwarded(timeoutMs = 15_000) {
      stack.queue('order-export');
      const { redis } = queues.get('order-export')!;
      await waitFor(async () => (await redis.xlen(triggerStreamKey(env.QUEUE_PREFIX))) === 0, {
        what: 'the accepted triggers forwarded',
        timeoutMs,
      });
    },
    async queueIdle(name, timeoutMs) {
      const queue = stack.queue(name);
      const { redis } = queues.get(name)!;
      await waitFor(
        async () => {
          // A trigger the ingress accepted is a job once a worker forwarded it.
          if ((await redis.xlen(triggerStreamKey(env.QUEUE_PREFIX))) > 0) return false;
          const counts = await queue.getJobCounts('active', 'wait', 'delayed', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        },
        { what: `the ${name} queue idle`, timeoutMs, intervalMs: 100 },
      );
    },
    queue(name) {
      let entry = queues.get(name);
      if (!entry) {
        const redis = createWorkerRedis(redisUrl, { name: 'e2e-inspector' });
        const queue = new Queue(name, { connection: redis, prefix: env.QUEUE_PREFIX! });
        queue.on('error', () => {});
        entry = { queue, redis };
        queues.set(name, entry);
      }
      return entry.queue;
    },
    async close() {
      await exportWorker.kill('SIGKILL');
      await webhookWorker?.kill('SIGKILL');
      await ingress.close();
      await syncWorker.close();
      for (const { producer, redis } of producers) {
        await producer.close();
        redis.disconnect();
      }
      for (const { queue, redis } of queues.values()) {
        await queue.close();
        redis.disconnect();
      }
      await db.close();
      await local?.close();
      await database.drop();
    },
  };
  return stack;
}
