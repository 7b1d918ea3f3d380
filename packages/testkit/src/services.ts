import { freePort } from './free-port.js';
import { startLocalPostgres, startLocalRedis } from './local-binaries.js';

/** A running service for tests, and how to get rid of it. */
export interface TestService {
  url: string;
  /** Where it came from: the environment, a container, or a local binary. */
  origin: 'env' | 'container' | 'binary';
  dispose(): Promise<void>;
}

const NO_CONTAINER_RUNTIME = /Could not find a working container runtime strategy/i;

/**
 * testcontainers when a Docker engine answers; undefined when there is none (the expected case on
 * machines without an engine). Any other container failure is a real error and is thrown.
 */
async function tryContainer<T>(start: () => Promise<T>): Promise<T | undefined> {
  if (process.env.TEST_SERVICES === 'binary') return undefined;
  try {
    return await start();
  } catch (error) {
    if (error instanceof Error && NO_CONTAINER_RUNTIME.test(error.message)) return undefined;
    throw error;
  }
}

export async function provideRedis(): Promise<TestService> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, origin: 'env', dispose: async () => {} };
  const container = await tryContainer(async () => {
    const { RedisContainer } = await import('@testcontainers/redis');
    return new RedisContainer('redis:7-alpine')
      .withCommand(['redis-server', '--maxmemory-policy', 'noeviction', '--appendonly', 'yes'])
      .start();
  });
  if (container) {
    return {
      url: container.getConnectionUrl(),
      origin: 'container',
      dispose: async () => void (await container.stop()),
    };
  }
  const local = await startLocalRedis(await freePort());
  return { url: local.url, origin: 'binary', dispose: local.dispose };
}

/** A PostgreSQL server; the URL points at its maintenance database (`postgres`). */
export async function providePostgres(): Promise<TestService> {
  if (process.env.DATABASE_URL)
    return { url: process.env.DATABASE_URL, origin: 'env', dispose: async () => {} };
  const container = await tryContainer(async () => {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    return new PostgreSqlContainer('postgres:16-alpine').withDatabase('postgres').start();
  });
  if (container) {
    return {
      url: container.getConnectionUri(),
      origin: 'container',
      dispose: async () => void (await container.stop()),
    };
  }
  const local = await startLocalPostgres(await freePort());
  return { url: local.url, origin: 'binary', dispose: local.dispose };
}
