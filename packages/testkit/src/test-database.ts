import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort } from './free-port.js';
import { type LocalPostgres, startLocalPostgres } from './local-binaries.js';

export interface TestDatabase {
  /** Connection string of the fresh database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

function sharedAdminUrl(): string {
  const url = process.env.TEST_DATABASE_ADMIN_URL;
  if (!url)
    throw new Error(
      'TEST_DATABASE_ADMIN_URL is not set: run tests through Jest with the testkit global setup',
    );
  return url;
}

/**
 * A new, empty database on the test server, migrated with `migrate` when given.
 * Each test file makes its own, so files never share rows.
 */
export async function createTestDatabase(
  options: {
    migrate?: (databaseUrl: string) => Promise<unknown>;
    /** The server's maintenance database; default the shared test server of this Jest run. */
    adminUrl?: string;
  } = {},
): Promise<TestDatabase> {
  const adminUrl = () => options.adminUrl ?? sharedAdminUrl();
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const database: TestDatabase = {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
  if (options.migrate) await options.migrate(database.url);
  return database;
}

/**
 * A PostgreSQL server of the test's own, from the local binaries, for tests that stop or freeze it (the
 * shared server of the Jest run serves every other test file). Make databases on it with
 * `createTestDatabase({ adminUrl: server.url })`.
 */
export async function startDedicatedPostgres(): Promise<LocalPostgres> {
  return startLocalPostgres(await freePort());
}
