// Test-only (excluded from the build): a migrated database of the test file's own, and tenants in it.
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@connector/testkit';
import { afterAll, beforeAll } from '@jest/globals';
import { createDatabase, type Database } from '../database.js';
import { migrate } from '../migrate.js';
import type { NewConnection } from '../repositories/connections.js';

export interface TestTenants {
  database: TestDatabase;
  db: Database;
  secretsKey: Buffer;
  /** The settings form of a new tenant: unique org id, random secrets. */
  form(overrides?: Partial<NewConnection>): NewConnection;
  /** Creates a tenant and returns its connection id. */
  tenant(overrides?: Partial<NewConnection>): Promise<string>;
  close(): Promise<void>;
}

export async function openTestTenants(): Promise<TestTenants> {
  const database = await createTestDatabase({ migrate });
  const secretsKey = randomBytes(32);
  const db = createDatabase({ url: database.url, secretsKey });
  const form = (overrides: Partial<NewConnection> = {}): NewConnection => ({
    lifeposOrgId: `org-${randomBytes(6).toString('hex')}`,
    lifeposPhone: '+79990000000',
    lifeposPassword: `pw-${randomBytes(8).toString('hex')}`,
    retailcrmUrl: 'https://shop.retailcrm.ru',
    retailcrmApiKey: `key-${randomBytes(12).toString('hex')}`,
    errorUserGroupCode: 'support',
    cashPaymentTypeCode: 'cash',
    cashlessPaymentTypeCode: 'bank-card',
    ...overrides,
  });
  return {
    database,
    db,
    secretsKey,
    form,
    tenant: async (overrides) => (await db.connections.create(form(overrides))).id,
    close: async () => {
      await db.close();
      await database.drop();
    },
  };
}

/**
 * The test file's tenants, opened before its first test and closed after its last (the Jest hooks are
 * registered by this call, at the top of the file). Use them inside tests and hooks, not at load time.
 */
export function useTestTenants(): TestTenants {
  let opened: TestTenants | undefined;
  const current = (): TestTenants => {
    if (!opened) throw new Error('the test tenants are opened in beforeAll: use them inside a test or hook');
    return opened;
  };
  beforeAll(async () => {
    opened = await openTestTenants();
  });
  afterAll(() => opened?.close());
  return {
    get database() {
      return current().database;
    },
    get db() {
      return current().db;
    },
    get secretsKey() {
      return current().secretsKey;
    },
    form: (overrides) => current().form(overrides),
    tenant: (overrides) => current().tenant(overrides),
    close: () => current().close(),
  };
}
