import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createTestDatabase, startDedicatedRedis, testRedisUrl, waitFor } from './index.js';

describe('testkit services', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('provides a real Redis with noeviction', async () => {
    const redis = new Redis(testRedisUrl());
    cleanups.push(() => redis.quit());
    await redis.set('testkit:probe', 'yes');
    expect(await redis.get('testkit:probe')).toBe('yes');
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    expect(policy).toBe('noeviction');
  });

  it('creates isolated databases', async () => {
    const a = await createTestDatabase();
    const b = await createTestDatabase();
    cleanups.push(a.drop, b.drop);
    const client = new pg.Client({ connectionString: a.url });
    await client.connect();
    cleanups.push(() => client.end());
    await client.query('CREATE TABLE only_in_a (id int)');
    const other = new pg.Client({ connectionString: b.url });
    await other.connect();
    cleanups.push(() => other.end());
    const { rows } = await other.query("SELECT to_regclass('only_in_a') AS t");
    expect(rows[0].t).toBeNull();
  });

  it('restarts a dedicated Redis keeping its data (AOF)', async () => {
    const server = await startDedicatedRedis();
    cleanups.push(server.dispose);
    const redis = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    cleanups.push(async () => redis.disconnect());
    await redis.set('kept', '1');
    await server.stop();
    await server.start();
    await waitFor(async () => (await redis.get('kept')) === '1', { what: 'the key after restart' });
  });
});
