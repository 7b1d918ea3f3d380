// Loaded natively by Jest (not transformed), so it loads the TypeScript sources through tsx.
import { tsImport } from 'tsx/esm/api';

/** One Redis and one PostgreSQL server for a whole Jest run; test files isolate themselves inside them. */
export default async function globalSetup() {
  const { provideRedis, providePostgres } = await tsImport('./services.ts', import.meta.url);
  const [redis, postgres] = await Promise.all([provideRedis(), providePostgres()]);
  globalThis.__connectorTestServices = [redis, postgres];
  process.env.TEST_REDIS_URL = redis.url;
  process.env.TEST_DATABASE_ADMIN_URL = postgres.url;
}
