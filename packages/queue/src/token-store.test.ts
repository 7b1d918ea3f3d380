import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { testRedisUrl, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createRedisTokenStore as createStore, type TokenCipher } from './token-store.js';

const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
afterAll(() => redis.quit());

/** AES-256-GCM bound to the name, as @connector/db's token cipher (which this package cannot import). */
function testCipher(key = randomBytes(32)): TokenCipher {
  return {
    encrypt(name, token) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(name));
      const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
      return [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64')).join(':');
    },
    decrypt(name, stored) {
      const [iv, tag, sealed] = stored.split(':').map((part) => Buffer.from(part, 'base64'));
      if (!iv || !tag || !sealed) throw new Error('malformed');
      const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(name)).setAuthTag(tag);
      return Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
    },
  };
}

const sharedCipher = testCipher();
const createRedisTokenStore = (client: Redis, prefix: string) => createStore(client, prefix, sharedCipher);

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

  it('keeps only the sealed token in Redis, and takes a value it cannot open for no token', async () => {
    const prefix = `{${uniquePrefix('tokens')}}`;
    const store = createRedisTokenStore(redis, prefix);
    const token = 'eyJhbGciOiJIUzI1NiJ9.owner-bearer-token.signature';
    await store.set('lifepos:org-4', token, 60_000);
    const raw = await redis.get(`${prefix}:token:lifepos:org-4`);
    expect(raw).not.toContain(token);
    expect(raw).not.toContain('owner-bearer-token');
    expect(await store.get('lifepos:org-4')).toBe(token);

    // Sealed under another SECRETS_KEY, or kept in plaintext before tokens were sealed: sign in again.
    expect(await createStore(redis, prefix, testCipher()).get('lifepos:org-4')).toBeUndefined();
    await redis.set(`${prefix}:token:lifepos:org-5`, token, 'PX', 60_000);
    expect(await store.get('lifepos:org-5')).toBeUndefined();
    // Moved to another key: it does not open there either.
    await redis.set(`${prefix}:token:lifepos:org-6`, raw ?? '', 'PX', 60_000);
    expect(await store.get('lifepos:org-6')).toBeUndefined();
  });

  it('refuses a lifetime that would never expire', async () => {
    const store = createRedisTokenStore(redis, 'x');
    await expect(store.set('k', 't', 0)).rejects.toThrow(/ttl/);
  });
});
