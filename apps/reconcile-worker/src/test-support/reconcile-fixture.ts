// Test-only (excluded from the build): the reconcile worker started in-process against the sandbox
// simulators, a migrated database and a queue prefix of the test file's own — optionally with the export
// and cancel workers and the ingress beside it, as they run in production.
import { randomBytes } from 'node:crypto';
import { createCancelOrderHandler } from '@connector/cancel-worker';
import { type ConnectionSettingsInput, migrate } from '@connector/db';
import { saleMetaFor } from '@connector/domain';
import { createExportOrderHandler } from '@connector/export-worker';
import { type RunningIngress, startIngress } from '@connector/ingress';
import { createEntityLock } from '@connector/queue';
import { createSync } from '@connector/sync';
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
import { startWorkerApp, type WorkerApp } from '@connector/worker-app';
import { type ReconcileWorker, startReconcileWorker } from '../start-reconcile-worker.js';

export interface ReconcileFixtureOptions {
  /** Also run the export and cancel workers (the jobs reconciliation queues get done). */
  orderWorkers?: boolean;
  /** Also run the ingress (RetailCRM triggers reach the connector). */
  ingress?: boolean;
}

export interface SeededConnection {
  seeded: Tenant;
  connectionId: string;
  /** Creates an order as a manager (status `new`, the tenant's first store); returns its id. */
  order(): number;
  /** A manager changes the order's status in the RetailCRM UI. */
  move(orderId: number, status: string): void;
  /** The LIFE POS sales made for the order (by `meta`). */
  sales(orderId: number): ReturnType<Sandbox['lifepos']['sales']>;
  /** LIFE POS requests of this organization that change something (sign-ins left out), since `since`. */
  lifeposWrites(since?: Date): string[];
  /**
   * Resolves once the connection's first history run is done, to the cursor it left (null: nothing
   * happened in the account since the activation).
   */
  started(): Promise<number | null>;
}

export interface ReconcileFixture {
  sandbox: Sandbox;
  reconcile: ReconcileWorker;
  orders: WorkerApp | undefined;
  ingress: RunningIngress | undefined;
  /** The apps' environment (`QUEUE_PREFIX` is the test file's own). */
  env: Record<
    | 'DATABASE_URL'
    | 'REDIS_URL'
    | 'SECRETS_KEY'
    | 'LIFEPOS_API_URL'
    | 'RETAILCRM_ALLOWED_HOSTS'
    | 'QUEUE_PREFIX'
    | 'PORT'
    | 'LOG_LEVEL',
    string
  >;
  seed(settings?: ConnectionSettingsInput, options?: TenantOptions): Promise<SeededConnection>;
  close(): Promise<void>;
}

export async function startReconcileFixture(
  options: ReconcileFixtureOptions = {},
): Promise<ReconcileFixture> {
  const sandbox = await startTestSandbox();
  const database: TestDatabase = await createTestDatabase({ migrate: (url) => migrate(url) });
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    SECRETS_KEY: randomBytes(32).toString('base64'),
    LIFEPOS_API_URL: sandbox.lifeposUrl,
    RETAILCRM_ALLOWED_HOSTS: '127.0.0.1:*',
    QUEUE_PREFIX: `{${uniquePrefix()}}`,
    PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  };
  const reconcile = await startReconcileWorker({ env, scheduleCheckEveryMs: 60_000 });
  const orders = options.orderWorkers
    ? await startWorkerApp({
        service: 'order-workers',
        owns: ['order-export', 'order-cancel'],
        env,
        // Retries in milliseconds: the outage tests wait for them.
        policies: {
          'order-export': { backoff: { type: 'exponential', delay: 200, jitter: 0 } },
          'order-cancel': { backoff: { type: 'exponential', delay: 200, jitter: 0 } },
        },
        handlers: ({ runtime, db, redis, logger }) => [
          createExportOrderHandler({
            runtime,
            db,
            sync: createSync({ db, lock: createEntityLock(redis, env.QUEUE_PREFIX), logger }),
          }),
          createCancelOrderHandler({ runtime, db }),
        ],
      })
    : undefined;
  const ingress = options.ingress
    ? await startIngress({ env: { ...env, INGRESS_CONNECTION_CACHE_MS: '100' }, host: '127.0.0.1' })
    : undefined;
  const { db } = reconcile.deps;

  return {
    sandbox,
    reconcile,
    orders,
    ingress,
    env,
    async seed(settings = {}, tenantOptions = {}) {
      const seeded = await seedTenant(sandbox, {
        sites: 1,
        ...(ingress ? { ingressUrl: `${ingress.url}/retailCRM/update` } : {}),
        ...tenantOptions,
      });
      const connection = await db.connections.create({
        ...seeded.connection,
        settings: {
          ...seeded.connection.settings,
          // The simulated LIFE POS organization allows 20 requests/s; the production default is gentler.
          rateLimits: { lifeposPerSecond: 20 },
          ...settings,
        },
        status: 'active',
      });
      const connectionId = connection.id;
      // As the keeper's next pass would: the connection gets its scheduler, whose first run is now.
      await reconcile.schedules.runNow();
      const code = seeded.accountCode;
      return {
        seeded,
        connectionId,
        order: () => seeded.createOrder({ store: seeded.stores[0]!.code }).id,
        move: (orderId, status) => {
          sandbox.retailcrm.setOrderStatus(code, orderId, status);
        },
        sales: (orderId) =>
          sandbox.lifepos.sales(seeded.orgId).filter(({ sale }) => sale.meta === saleMetaFor(orderId)),
        lifeposWrites: (since) =>
          sandbox.requestLog
            .list({ system: 'lifepos', tenant: seeded.orgId })
            .filter(
              (request) =>
                request.method !== 'GET' &&
                !request.path.includes('/auth/') &&
                (since === undefined || new Date(request.at) >= since),
            )
            .map((request) => `${request.method} ${request.path}`),
        started: () =>
          waitFor(
            async () => {
              const cursor = await db.syncCursors.get(connectionId);
              return cursor.lastReconciledAt !== null && { sinceId: cursor.retailcrmHistorySinceId };
            },
            { timeoutMs: 10_000, what: 'the first history run' },
          ).then(({ sinceId }) => sinceId),
      };
    },
    async close() {
      await ingress?.close();
      await orders?.close();
      await reconcile.close();
      await sandbox.close();
      await database.drop();
    },
  };
}
