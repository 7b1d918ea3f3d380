// Every database call is bounded: a stopped or frozen PostgreSQL fails calls within the configured
// timeouts instead of hanging them, and those failures are told apart from failures of the statement.
import { randomBytes } from 'node:crypto';
import {
  createTestDatabase,
  type LocalPostgres,
  startDedicatedPostgres,
  type TestDatabase,
} from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDatabase, type Database } from './database.js';
import { isDatabaseUnavailable } from './database-unavailable.js';
import { migrate } from './migrate.js';

const CONNECT_MS = 800;
const STATEMENT_MS = 1_500;

async function failure(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await call();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('the call succeeded');
}

describe('database outages', () => {
  let server: LocalPostgres;
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    server = await startDedicatedPostgres();
    database = await createTestDatabase({ adminUrl: server.url, migrate: (url) => migrate(url) });
    db = createDatabase({
      url: database.url,
      secretsKey: randomBytes(32),
      timeouts: { connectMs: CONNECT_MS, statementMs: STATEMENT_MS },
    });
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await server?.thaw();
    await database?.drop();
    await server?.dispose();
  }, 60_000);

  it('fails calls to a stopped server at once, as unavailable, and works again after its start', async () => {
    await db.outbox.count();
    await server.stop();
    try {
      for (let i = 0; i < 2; i += 1) {
        const { error, ms } = await failure(() => db.outbox.count());
        expect(isDatabaseUnavailable(error)).toBe(true);
        expect(ms).toBeLessThan(CONNECT_MS + 500);
      }
    } finally {
      await server.start();
    }
    expect(await db.outbox.count()).toBe(0);
  });

  it('fails calls to a frozen server within the timeouts, as unavailable', async () => {
    await db.outbox.count();
    await server.freeze();
    try {
      // On a pooled connection: the client gives up a second after the statement timeout.
      const pooled = await failure(() => db.outbox.count());
      expect(isDatabaseUnavailable(pooled.error)).toBe(true);
      expect(pooled.ms).toBeLessThan(STATEMENT_MS + 1_000 + 500);
      // On new connections: the connect timeout.
      const fresh = await Promise.all([failure(() => db.outbox.count()), failure(() => db.outbox.count())]);
      for (const { error, ms } of fresh) {
        expect(isDatabaseUnavailable(error)).toBe(true);
        expect(ms).toBeLessThan(CONNECT_MS + 500);
      }
    } finally {
      await server.thaw();
    }
    expect(await db.outbox.count()).toBe(0);
  });

  it('cancels a statement past the statement timeout, and does not call that an outage', async () => {
    const { error, ms } = await failure(() => db.prisma.$queryRaw`SELECT pg_sleep(5)`);
    expect(ms).toBeLessThan(STATEMENT_MS + 500);
    expect(isDatabaseUnavailable(error)).toBe(false);
    const division = await failure(() => db.prisma.$executeRaw`SELECT 1/0`);
    expect(isDatabaseUnavailable(division.error)).toBe(false);
  });
});
