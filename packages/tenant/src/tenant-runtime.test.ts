// The tenant runtime keeps the clients of the recently used connections only: a worker serving thousands
// of connections must not hold every connection's clients (~45 kB each) for ever.
import { randomBytes } from 'node:crypto';
import { createDatabase, type Database, migrate } from '@connector/db';
import { createMemoryTokenStore } from '@connector/lifepos';
import { createLogger } from '@connector/logger';
import { createRateLimiter, createWorkerRedis } from '@connector/queue';
import { createTestDatabase, type TestDatabase, testRedisUrl, uniquePrefix } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createTenantRuntime } from './tenant-runtime.js';

describe('the tenant runtime', () => {
  let database: TestDatabase;
  let db: Database;
  let redis: Redis;

  beforeAll(async () => {
    database = await createTestDatabase({ migrate });
    db = createDatabase({ url: database.url, secretsKey: randomBytes(32) });
    redis = createWorkerRedis(testRedisUrl());
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
    redis?.disconnect();
  });

  const connection = async () =>
    (
      await db.connections.create({
        lifeposOrgId: `org-${randomBytes(6).toString('hex')}`,
        lifeposPhone: '+79990000000',
        lifeposPassword: `pw-${randomBytes(8).toString('hex')}`,
        retailcrmUrl: 'https://shop.retailcrm.ru',
        retailcrmApiKey: `key-${randomBytes(12).toString('hex')}`,
        errorUserGroupCode: 'support',
        cashPaymentTypeCode: 'cash',
        cashlessPaymentTypeCode: 'bank-card',
        status: 'active',
      })
    ).id;

  it('reuses the clients of recently used connections and lets the least recently used go', async () => {
    const runtime = createTenantRuntime({
      db,
      limiter: createRateLimiter(redis, { prefix: uniquePrefix('tenant-runtime') }),
      tokenStore: createMemoryTokenStore(),
      lifeposApiUrl: 'http://127.0.0.1:9',
      retailcrmAllowedHosts: ['.retailcrm.ru'],
      logger: createLogger({ service: 'tenant-runtime-test', level: 'error' }),
      cachedTenants: 2,
    });
    const [a, b, c] = [await connection(), await connection(), await connection()];
    const clientsOf = async (id: string) => (await runtime.open(id)).retailcrm;

    const firstA = await clientsOf(a);
    const firstB = await clientsOf(b);
    expect(await clientsOf(a)).toBe(firstA);
    // A third connection: the least recently used (b) goes, a stays.
    await clientsOf(c);
    expect(await clientsOf(a)).toBe(firstA);
    expect(await clientsOf(b)).not.toBe(firstB);
  });
});
