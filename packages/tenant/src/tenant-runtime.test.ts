// The tenant runtime keeps the clients of the recently used connections only: a worker serving thousands
// of connections must not hold every connection's clients (~45 kB each) for ever.
import { useTestTenants } from '@connector/db/testing';
import { createMemoryTokenStore } from '@connector/lifepos';
import { createLogger } from '@connector/logger';
import { createRateLimiter, createWorkerRedis } from '@connector/queue';
import { testRedisUrl, uniquePrefix } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createTenantRuntime } from './tenant-runtime.js';

describe('the tenant runtime', () => {
  const tenants = useTestTenants();
  let redis: Redis;

  beforeAll(() => {
    redis = createWorkerRedis(testRedisUrl());
  });
  afterAll(() => {
    redis?.disconnect();
  });

  it('reuses the clients of recently used connections and lets the least recently used go', async () => {
    const runtime = createTenantRuntime({
      db: tenants.db,
      limiter: createRateLimiter(redis, { prefix: uniquePrefix('tenant-runtime') }),
      tokenStore: createMemoryTokenStore(),
      lifeposApiUrl: 'http://127.0.0.1:9',
      retailcrmAllowedHosts: ['.retailcrm.ru'],
      logger: createLogger({ service: 'tenant-runtime-test', level: 'error' }),
      cachedTenants: 2,
    });
    const active = () => tenants.tenant({ status: 'active' });
    const [a, b, c] = [await active(), await active(), await active()];
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
