export { type TestAppEnvParts, testAppEnv } from './app-env.js';
export { runAppMain } from './app-main.js';
export { freePort } from './free-port.js';
export {
  findPostgresBinDir,
  findRedisServer,
  type LocalPostgres,
  type LocalRedis,
  startLocalPostgres,
  startLocalRedis,
  waitForPort,
} from './local-binaries.js';
export {
  type Sandbox,
  seedTenant,
  startTestSandbox,
  type Tenant,
  type TenantConnectionSettings,
  type TenantCourier,
  type TenantOptions,
  type TenantOrder,
  type TenantOrderInput,
  type TenantOrderItem,
  type TenantSite,
  type TenantStatuses,
  type TenantStore,
  type TestSandboxOptions,
} from './sandbox-tenant.js';
export { providePostgres, provideRedis, type TestService } from './services.js';
export { createTestDatabase, startDedicatedPostgres, type TestDatabase } from './test-database.js';
export { startDedicatedRedis, testRedisUrl, uniquePrefix } from './test-redis.js';
export { waitFor } from './wait-for.js';
