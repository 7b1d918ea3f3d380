// The whole connector in one process for end-to-end tests: the sandbox simulators, the ingress and
// every order worker plus the sync worker (which also creates the error tasks), started exactly as
// their main.ts files start them, on one migrated database and one queue prefix of the test's own.
// On request also the webhook worker (LIFE POS notifications → RetailCRM) and the console.
import { randomBytes } from 'node:crypto';
import { startCancelWorker } from '@connector/cancel-worker';
import { type RunningConsole, startConsole } from '@connector/console';
import { createDatabase, type Database, migrate } from '@connector/db';
import { startExportWorker } from '@connector/export-worker';
import { type RunningIngress, startIngress, TRIGGER_PATH } from '@connector/ingress';
import { createLogger, type Logger } from '@connector/logger';
import { createWorkerRedis, type QueueName, type QueuePolicy, triggerStreamKey } from '@connector/queue';
import { startReconcileWorker } from '@connector/reconcile-worker';
import { startRefundWorker } from '@connector/refund-worker';
import { startSyncWorker } from '@connector/sync-worker';
import { subscribeConnection } from '@connector/tenant';
import {
  createTestDatabase,
  freePort,
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
import { startWebhookWorker, type WebhookWorker } from '@connector/webhook-worker';
import type { WorkerApp } from '@connector/worker-app';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import winston from 'winston';

export interface Stack {
  sandbox: Sandbox;
  ingress: RunningIngress;
  workers: WorkerApp[];
  db: Database;
  /** The environment every app was started with (one database, Redis and queue prefix). */
  env: Readonly<Record<string, string>>;
  /** Where RetailCRM triggers are posted (`<ingress>/retailCRM/update`). */
  triggerUrl: string;
  /** The webhook worker, when `webhook` was asked for; its URL is the notification URLs' base. */
  webhook?: WebhookWorker;
  /** The console, when `console` was asked for. */
  console?: RunningConsole;
  /**
   * A tenant in both simulators whose triggers point at the ingress, and its active connection
   * (subscribed to LIFE POS notifications when the webhook worker runs, as the console's activation does).
   */
  seed(options?: TenantOptions): Promise<{ tenant: Tenant; connectionId: string }>;
  /** Posts a trigger to the ingress as RetailCRM's "HTTP request" action does. */
  trigger(tenant: Tenant, orderId: number, status: 'new' | 'closed' | 'refund'): Promise<Response>;
  /** Waits until the queue has nothing active, waiting, prioritized or delayed (every job queued so far ran). */
  queueIdle(name: QueueName, timeoutMs?: number): Promise<void>;
  /** A BullMQ queue of the stack, for reading its jobs. */
  queue(name: QueueName): Queue;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Redis of the stack (default the test run's shared one). */
  redisUrl?: string;
  /** The logger of each app, by service name (default `quietLogger`): tests capture every record with it. */
  logger?: (service: string) => Logger;
  /** Also start the webhook worker; its periodic schedule pass is left to the test (`schedules.runNow()`). */
  webhook?: boolean;
  /**
   * Also start the console (operator `CONSOLE_USER` / `CONSOLE_PASSWORD`, plain-http cookies), its
   * notification URLs on the webhook worker and its trigger URL on the ingress; `env` overrides its variables.
   */
  console?: boolean | { env?: Record<string, string | undefined> };
  /**
   * Per-queue policy overrides for the jobs every app (the ingress too) enqueues: fault scenarios make
   * the retry budget milliseconds, so that an outage outlasts it in a moment. Default: production's.
   */
  policies?: Partial<Record<QueueName, Partial<QueuePolicy>>>;
  /** The sync worker's periodic incident check (default production's: every minute, tasks again after 15). */
  incidentWatch?: { everyMs?: number; taskRetryMs?: number };
  /** How often the sync (and reconcile) worker gives the connections their schedulers (default 1 minute). */
  scheduleCheckEveryMs?: number;
  /** Also start the reconcile worker (history scan and convergence sweep). */
  reconcile?: boolean;
}

/** The console operator of the stack. */
export const CONSOLE_USER = 'operator';
export const CONSOLE_PASSWORD = 'e2e console password';

export function quietLogger(service: string): Logger {
  return createLogger({
    service,
    level: process.env.LOG_LEVEL ?? 'error',
    transports: [new winston.transports.Console({ silent: !process.env.LOG_LEVEL })],
  });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const { redisUrl = testRedisUrl(), logger = quietLogger } = options;
  // LIFE POS retries undelivered notifications; tests want it in milliseconds.
  const sandbox = await startTestSandbox(
    options.webhook ? { notifications: { baseDelayMs: 20, maxDelayMs: 200 } } : {},
  );
  const database: TestDatabase = await createTestDatabase({ migrate: (url) => migrate(url) });
  const secretsKey = randomBytes(32);
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    SECRETS_KEY: secretsKey.toString('base64'),
    LIFEPOS_API_URL: sandbox.lifeposUrl,
    RETAILCRM_ALLOWED_HOSTS: '127.0.0.1:*',
    QUEUE_PREFIX: `{${uniquePrefix('e2e')}}`,
    PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    // Outage tests want a quick second chance for triggers parked in the outbox.
    OUTBOX_LEASE_MS: '1000',
    OUTBOX_DRAIN_INTERVAL_MS: '200',
  };
  const { policies, incidentWatch, scheduleCheckEveryMs } = options;
  const tuning = { ...(policies && { policies }), ...(scheduleCheckEveryMs && { scheduleCheckEveryMs }) };
  const ingress = await startIngress({
    env,
    host: '127.0.0.1',
    logger: logger('ingress'),
    ...(policies && { policies }),
  });
  const workers = await Promise.all([
    startExportWorker({ env, logger: logger('export-worker'), ...tuning }),
    startCancelWorker({ env, logger: logger('cancel-worker'), ...tuning }),
    startRefundWorker({ env, logger: logger('refund-worker'), ...tuning }),
    startSyncWorker({
      env,
      logger: logger('sync-worker'),
      ...tuning,
      ...(incidentWatch && { incidentWatch }),
    }),
    ...(options.reconcile
      ? [startReconcileWorker({ env, logger: logger('reconcile-worker'), ...tuning })]
      : []),
  ]);
  const db = createDatabase({ url: database.url, secretsKey, logger: logger('e2e') });
  const ingressUrl = `${ingress.url}${TRIGGER_PATH}`;

  let webhook: WebhookWorker | undefined;
  if (options.webhook) {
    // LIFE POS is told the notification URL before the worker listens: its port is chosen here.
    const port = await freePort();
    webhook = await startWebhookWorker({
      host: '127.0.0.1',
      env: { ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
      logger: logger('webhook-worker'),
      scheduleCheckEveryMs: 3_600_000,
    });
    const receiver = webhook.receiverRedis;
    // The receiver answers 503 until its fail-fast connection is up.
    await waitFor(() => receiver.status === 'ready', { what: 'the notification receiver connection' });
  }
  let consoleApp: RunningConsole | undefined;
  if (options.console) {
    const overrides = options.console === true ? {} : (options.console.env ?? {});
    consoleApp = await startConsole({
      host: '127.0.0.1',
      env: {
        ...env,
        PUBLIC_URL: webhook?.env.PUBLIC_URL ?? 'https://connector.example.test',
        TRIGGER_URL: ingressUrl,
        CONSOLE_USER,
        CONSOLE_PASSWORD,
        NODE_ENV: 'development',
        ...overrides,
      },
      logger: logger('console'),
    });
  }

  const inspector = queueInspector(redisUrl, env.QUEUE_PREFIX);
  return {
    sandbox,
    ingress,
    workers,
    db,
    env,
    triggerUrl: ingressUrl,
    ...(webhook && { webhook }),
    ...(consoleApp && { console: consoleApp }),
    async seed(seedOptions = {}) {
      const tenant = await seedTenant(sandbox, { ingressUrl, ...seedOptions });
      const connection = await db.connections.create({
        ...tenant.connection,
        // The simulated organization allows 20 requests/s; stay under it with the connector's own limit.
        settings: { ...tenant.connection.settings, rateLimits: { lifeposPerSecond: 15 } },
        status: 'active',
      });
      if (webhook) {
        await subscribeConnection(await webhook.deps.runtime.open(connection.id), webhook.env.PUBLIC_URL);
      }
      return { tenant, connectionId: connection.id };
    },
    trigger(tenant, orderId, status) {
      return fetch(ingressUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: tenant.orgId, order_id: String(orderId), status }).toString(),
        signal: AbortSignal.timeout(10_000),
      });
    },
    queueIdle: inspector.idle,
    queue: inspector.queue,
    async close() {
      await inspector.close();
      await consoleApp?.close();
      await ingress.close();
      await Promise.all([...workers, ...(webhook ? [webhook] : [])].map((worker) => worker.close()));
      await db.close();
      await sandbox.close();
      await database.drop();
    },
  };
}

/** Reads the stack's queues (opened on first use) to tell when one has nothing left to run. */
function queueInspector(redisUrl: string, prefix: string) {
  let redis: Redis | undefined;
  const queues = new Map<QueueName, Queue>();
  const queueOf = (name: QueueName): Queue => {
    redis ??= createWorkerRedis(redisUrl, { name: 'e2e-inspector' });
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: redis, prefix });
      queues.set(name, queue);
    }
    return queue;
  };
  return {
    queue: queueOf,
    async idle(name: QueueName, timeoutMs = 20_000): Promise<void> {
      await waitFor(
        async () => {
          // A trigger the ingress accepted is a job once a worker forwarded it.
          const queue = queueOf(name);
          if ((await redis!.xlen(triggerStreamKey(prefix))) > 0) return false;
          const counts = await queue.getJobCounts('active', 'wait', 'prioritized', 'delayed');
          return Object.values(counts).every((count) => count === 0);
        },
        { what: `the ${name} queue idle`, timeoutMs, intervalMs: 100 },
      );
    },
    async close(): Promise<void> {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      await redis?.quit();
    },
  };
}
