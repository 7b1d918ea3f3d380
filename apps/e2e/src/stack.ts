// The whole connector in one process for end-to-end tests: the sandbox simulators, the ingress and
// every order worker plus the sync worker (which also creates the error tasks), started exactly as
// their main.ts files start them, on one migrated database and one queue prefix of the test's own.
import { randomBytes } from 'node:crypto';
import { startCancelWorker } from '@connector/cancel-worker';
import { createDatabase, type Database, migrate } from '@connector/db';
import { startExportWorker } from '@connector/export-worker';
import { type RunningIngress, startIngress, TRIGGER_PATH } from '@connector/ingress';
import { createLogger, type Logger } from '@connector/logger';
import { startRefundWorker } from '@connector/refund-worker';
import { startSyncWorker } from '@connector/sync-worker';
import type { WorkerApp } from '@connector/tenant';
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
} from '@connector/testkit';
import winston from 'winston';

export interface Stack {
  sandbox: Sandbox;
  ingress: RunningIngress;
  workers: WorkerApp[];
  db: Database;
  /** A tenant in both simulators whose triggers point at the ingress, and its active connection. */
  seed(options?: TenantOptions): Promise<{ tenant: Tenant; connectionId: string }>;
  /** Posts a trigger to the ingress as RetailCRM's "HTTP request" action does. */
  trigger(tenant: Tenant, orderId: number, status: 'new' | 'closed' | 'refund'): Promise<Response>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Redis of the stack (default the test run's shared one). */
  redisUrl?: string;
}

export function quietLogger(service: string): Logger {
  return createLogger({
    service,
    level: process.env.LOG_LEVEL ?? 'error',
    transports: [new winston.transports.Console({ silent: !process.env.LOG_LEVEL })],
  });
}

export async function startStack({ redisUrl = testRedisUrl() }: StackOptions = {}): Promise<Stack> {
  const sandbox = await startTestSandbox();
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
  const ingress = await startIngress({ env, host: '127.0.0.1', logger: quietLogger('ingress') });
  const workers = await Promise.all([
    startExportWorker({ env, logger: quietLogger('export-worker') }),
    startCancelWorker({ env, logger: quietLogger('cancel-worker') }),
    startRefundWorker({ env, logger: quietLogger('refund-worker') }),
    startSyncWorker({ env, logger: quietLogger('sync-worker') }),
  ]);
  const db = createDatabase({ url: database.url, secretsKey, logger: quietLogger('e2e') });
  const ingressUrl = `${ingress.url}${TRIGGER_PATH}`;

  return {
    sandbox,
    ingress,
    workers,
    db,
    async seed(options = {}) {
      const tenant = await seedTenant(sandbox, { ingressUrl, ...options });
      const connection = await db.connections.create({
        ...tenant.connection,
        // The simulated organization allows 20 requests/s; stay under it with the connector's own limit.
        settings: { ...tenant.connection.settings, rateLimits: { lifeposPerSecond: 15 } },
        status: 'active',
      });
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
    async close() {
      await ingress.close();
      await Promise.all(workers.map((worker) => worker.close()));
      await db.close();
      await sandbox.close();
      await database.drop();
    },
  };
}
