import { randomBytes } from 'node:crypto';
import {
  type ConnectionRecord,
  createDatabase,
  createTokenCipher,
  type Database,
  migrate,
} from '@connector/db';
import { createLogger, type Logger } from '@connector/logger';
import {
  createEntityLock,
  createRateLimiter,
  createRedisTokenStore,
  createWorkerRedis,
  type EntityLock,
} from '@connector/queue';
import { createTenantRuntime, type Tenant, type TenantRuntime } from '@connector/tenant';
import {
  createTestDatabase,
  type Sandbox,
  type Tenant as SeededTenant,
  seedTenant,
  startTestSandbox,
  type TenantOptions,
  testRedisUrl,
  uniquePrefix,
} from '@connector/testkit';
import type { Redis } from 'ioredis';
import { createSync, type Sync } from '../create-sync.js';

/**
 * Real everything for the sync's tests: the sandbox simulators, a fresh migrated database, the shared
 * test Redis under a prefix of this file's own, the tenant runtime the workers use, and `createSync`.
 */
export interface SyncFixture {
  sandbox: Sandbox;
  db: Database;
  redis: Redis;
  prefix: string;
  lock: EntityLock;
  logger: Logger;
  runtime: TenantRuntime;
  sync: Sync;
  /** A seeded RetailCRM account + LIFE POS organization, its active connection and its `Tenant`. */
  tenant(options?: TenantOptions & { settings?: Record<string, unknown> }): Promise<FixtureTenant>;
  close(): Promise<void>;
}

export interface FixtureTenant {
  seeded: SeededTenant;
  connection: ConnectionRecord;
  tenant: Tenant;
}

export async function startSyncFixture(): Promise<SyncFixture> {
  const logger = createLogger({ service: 'sync-test', level: process.env.LOG_LEVEL ?? 'error' });
  const sandbox = await startTestSandbox();
  const database = await createTestDatabase({ migrate: (url) => migrate(url, { logger }) });
  const db = createDatabase({ url: database.url, secretsKey: randomBytes(32), logger });
  const redis = createWorkerRedis(testRedisUrl());
  const prefix = `{${uniquePrefix()}}`;
  const lock = createEntityLock(redis, prefix);
  const runtime = createTenantRuntime({
    db,
    limiter: createRateLimiter(redis, { prefix }),
    tokenStore: createRedisTokenStore(redis, prefix, createTokenCipher(randomBytes(32))),
    lifeposApiUrl: sandbox.lifeposUrl,
    retailcrmAllowedHosts: ['127.0.0.1:*'],
    logger,
  });
  const sync = createSync({ db, lock, logger });

  return {
    sandbox,
    db,
    redis,
    prefix,
    lock,
    logger,
    runtime,
    sync,
    async tenant({ settings, ...options } = {}) {
      const seeded = await seedTenant(sandbox, {
        ...options,
        lifepos: { rateLimit: { enabled: false }, ...options.lifepos },
        retailcrm: { rateLimit: { enabled: false }, ...options.retailcrm },
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
      return { seeded, connection, tenant: await runtime.open(connection.id) };
    },
    async close() {
      await db.close();
      await redis.quit();
      await database.drop();
      await sandbox.close();
    },
  };
}
