// Test-only (not built): what the incident tests run on: a worker app that owns the `crm-tasks` queue (and
// so the periodic incident check) and no order queue, against the sandbox simulators, a migrated database
// and a queue prefix of the test file's own; a database client and a producer beside it to play the hooks.
import { randomBytes } from 'node:crypto';
import { type ConnectionRecord, createDatabase, type Database, migrate } from '@connector/db';
import { createLogger, type Logger } from '@connector/logger';
import { createProducer, createWorkerRedis, type FinalFailure, type Producer } from '@connector/queue';
import {
  createTestDatabase,
  type Sandbox,
  seedTenant,
  startTestSandbox,
  type Tenant,
  type TestDatabase,
  testAppEnv,
  testRedisUrl,
  uniquePrefix,
  waitFor,
} from '@connector/testkit';
import type { Redis } from 'ioredis';
import winston from 'winston';
import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '../index.js';

export interface IncidentFixtureOptions {
  service: string;
  /** The start of the queue prefix (the rest is unique). */
  prefix: string;
  /** The console's address in the tasks' links. */
  consoleUrl: string;
  incidentWatch?: WorkerAppOptions['incidentWatch'];
}

export interface IncidentFixture {
  sandbox: Sandbox;
  db: Database;
  redis: Redis;
  producer: Producer;
  app: WorkerApp;
  prefix: string;
  /** Silent unless TEST_DEBUG is set. */
  logger: Logger;
  /** A tenant in both simulators and its active connection. */
  activeTenant(): Promise<{ tenant: Tenant; connection: ConnectionRecord }>;
  close(): Promise<void>;
}

export async function startIncidentFixture(options: IncidentFixtureOptions): Promise<IncidentFixture> {
  const logger = createLogger({
    service: 'test',
    transports: [new winston.transports.Console({ silent: !process.env.TEST_DEBUG })],
  });
  const secretsKey = randomBytes(32);
  const prefix = `{${uniquePrefix(options.prefix)}}`;
  const sandbox = await startTestSandbox();
  const database: TestDatabase = await createTestDatabase({ migrate });
  const db = createDatabase({ url: database.url, secretsKey, logger });
  const redis = createWorkerRedis(testRedisUrl());
  // The producer refuses to add while its connection is not ready (a request path must not wait for it):
  // the hooks the tests play would fail on a machine slow to connect.
  await waitFor(() => redis.status === 'ready', { what: 'the producer’s Redis connection' });
  const producer = createProducer({ redis, prefix });
  const app = await startWorkerApp({
    service: options.service,
    owns: [],
    ownsCrmTasks: true,
    handlers: () => [],
    logger,
    ...(options.incidentWatch ? { incidentWatch: options.incidentWatch } : {}),
    env: {
      ...testAppEnv({ databaseUrl: database.url, lifeposUrl: sandbox.lifeposUrl, prefix, secretsKey }),
      CONSOLE_PUBLIC_URL: options.consoleUrl,
    },
  });
  return {
    sandbox,
    db,
    redis,
    producer,
    app,
    prefix,
    logger,
    async activeTenant() {
      const tenant = await seedTenant(sandbox);
      const connection = await db.connections.create({ ...tenant.connection, status: 'active' });
      return { tenant, connection };
    },
    async close() {
      await app.close();
      await producer.close();
      await redis.quit();
      await db.close();
      await database.drop();
      await sandbox.close();
    },
  };
}

/** The final failure of an order's export job (as a trigger queued it) with `error`. */
export function exportFailure(connectionId: string, orderId: number, error: Error): FinalFailure {
  const data = { connectionId, orderId, source: 'trigger' } as const;
  return { queue: 'order-export', data, error, job: { id: `job-${orderId}`, data } as FinalFailure['job'] };
}
