import { testRedisUrl } from './test-redis.js';

export interface TestAppEnvParts {
  /** The test's migrated database. */
  databaseUrl: string;
  /** The sandbox's LIFE POS simulator. */
  lifeposUrl: string;
  /** The test's queue prefix, braces included. */
  prefix: string;
  /** The key the app encrypts secrets with (the test's database client must use the same one). */
  secretsKey: Buffer;
}

/**
 * The environment a connector app starts with in a test: the test's database, the test Redis and queue
 * prefix, the sandbox's LIFE POS, the RetailCRM simulator's host allowed, any free port, quiet logs
 * (unless LOG_LEVEL says otherwise). Spread it and add what an app needs besides.
 */
export function testAppEnv({ databaseUrl, lifeposUrl, prefix, secretsKey }: TestAppEnvParts) {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: testRedisUrl(),
    SECRETS_KEY: secretsKey.toString('base64'),
    LIFEPOS_API_URL: lifeposUrl,
    RETAILCRM_ALLOWED_HOSTS: '127.0.0.1:*',
    QUEUE_PREFIX: prefix,
    PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  };
}
