import { testRedisUrl, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createRedisTokenStore } from './token-store.js';

const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
afterAll(() => redis.quit());

describe('redis token store', () => {
  it('shares a token between stores (processes) until it is deleted', async () => {
    const prefix = `{${uniquePrefix('tokens')}}`;
    const writer = createRedisTokenStore(redis, prefix);
    const reader = createRedisTokenStore(redis, prefix);
    expect(await reader.get('lifepos:org-1')).toBeUndefined();
    await writer.set('lifepos:org-1', 'token-a', 60_000);
    expect(await reader.get('lifepos:org-1')).toBe('token-a');
    expect(await redis.pttl(`${prefix}:token:lifepos:org-1`)).toBeGreaterThan(55_000);
    expect(await reader.get('lifepos:org-2')).toBeUndefined();
    await reader.delete('lifepos:org-1');
    expect(await writer.get('lifepos:org-1')).toBeUndefined();
  });

  it('forgets a token when its lifetime is over', async () => {
    const store = createRedisTokenStore(redis, `{${uniquePrefix('tokens')}}`);
    await store.set('lifepos:org-3', 'short-lived', 50);
    await waitFor(async () => (await store.get('lifepos:org-3')) === undefined, {
      what: 'the token to expire',
    });
  });

  it('keeps prefixes apart', async () => {
    const a = createRedisTokenStore(redis, `{${uniquePrefix('tokens')}}`);
    const b = createRedisTokenStore(redis, `{${uniquePrefix('tokens')}}`);
    await a.set('k', 'from-a', 60_000);
    expect(await b.get('k')).toBeUndefined();
  });

  it('refuses a lifetime that would never expire', async () => {
    const store = createRedisTokenStore(redis, 'x');
    await expect(store.set('k', 't', 0)).rejects.toThrow(/ttl/);
  });
});
