// The benchmark's own PostgreSQL and Redis, started from the local binaries (or DATABASE_URL), as the test
// runs get theirs from Jest's global setup. The test database helpers read the admin URL from the env.
import { migrate } from '@connector/db';
import {
  createTestDatabase,
  type LocalRedis,
  providePostgres,
  startDedicatedRedis,
  type TestDatabase,
  type TestService,
} from '@connector/testkit';

export interface BenchServices {
  redis: LocalRedis;
  postgres: TestService;
  /** A fresh migrated database on the benchmark's server. */
  database(): Promise<TestDatabase>;
  dispose(): Promise<void>;
}

export async function startBenchServices(): Promise<BenchServices> {
  const [postgres, redis] = await Promise.all([providePostgres(), startDedicatedRedis()]);
  process.env.TEST_DATABASE_ADMIN_URL = postgres.url;
  const databases: TestDatabase[] = [];
  return {
    redis,
    postgres,
    async database() {
      const database = await createTestDatabase({ migrate: (url) => migrate(url) });
      databases.push(database);
      return database;
    },
    async dispose() {
      for (const database of databases) await database.drop().catch(() => {});
      await Promise.allSettled([redis.dispose(), postgres.dispose()]);
    },
  };
}
