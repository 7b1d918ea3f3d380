// A second process drawing on the same upstream accounts as the test process (shared-limit.test.ts):
// argv = JSON {redisUrl, prefix, retailcrmUrl, apiKey, lifeposUrl, orgId, phone, password, calls}.
// Makes `calls` RetailCRM and `calls` LIFE POS requests through the Redis rate limiter, waiting out
// deferrals as a delayed job would, then prints one JSON line with what it did.
import { setTimeout as sleep } from 'node:timers/promises';
import { createTokenCipher } from '@connector/db';
import { DeferredError } from '@connector/domain';
import { createLifePosClient } from '@connector/lifepos';
import { createRateLimiter, createRedisTokenStore, lifeposRateKey, retailcrmRateKey } from '@connector/queue';
import { createRetailCrmClient } from '@connector/retailcrm';
import { Redis } from 'ioredis';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  redisUrl: string;
  prefix: string;
  retailcrmUrl: string;
  apiKey: string;
  lifeposUrl: string;
  orgId: string;
  phone: string;
  password: string;
  calls: number;
};
const redis = new Redis(input.redisUrl, { maxRetriesPerRequest: null });
const limiter = createRateLimiter(redis, { prefix: input.prefix, maxWaitMs: 500 });
const retailcrm = createRetailCrmClient({
  baseUrl: input.retailcrmUrl,
  apiKey: input.apiKey,
  allowedHosts: ['127.0.0.1:*'],
  limiter: limiter.bucket(retailcrmRateKey(new URL(input.retailcrmUrl).host), { perSecond: 10 }),
});
const lifepos = createLifePosClient({
  baseUrl: input.lifeposUrl,
  orgId: input.orgId,
  phone: input.phone,
  password: input.password,
  // Both contenders share one key, as every process of a deployment shares SECRETS_KEY.
  tokenStore: createRedisTokenStore(redis, input.prefix, createTokenCipher(Buffer.alloc(32, 7))),
  limiter: limiter.bucket(lifeposRateKey(input.orgId), { perSecond: 5 }),
});

async function persist(call: () => Promise<unknown>): Promise<number> {
  let deferrals = 0;
  for (;;) {
    try {
      await call();
      return deferrals;
    } catch (error) {
      if (!(error instanceof DeferredError)) throw error;
      deferrals += 1;
      await sleep(error.delayMs);
    }
  }
}

let deferrals = 0;
await Promise.all([
  (async () => {
    for (let i = 0; i < input.calls; i += 1)
      deferrals += await persist(() => retailcrm.orderStatuses({ ids: [1] }));
  })(),
  (async () => {
    for (let i = 0; i < input.calls; i += 1) deferrals += await persist(() => lifepos.orgs.me());
  })(),
]);
process.stdout.write(`${JSON.stringify({ done: input.calls, deferrals })}\n`);
await redis.quit();
