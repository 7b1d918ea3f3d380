// The move from stored notification tokens to their hashes: a connection that was subscribed with its random
// token before keeps receiving notifications under it, and no plaintext token is left in the table.
import { randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@connector/testkit';
import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createDatabase } from './database.js';
import { migrate } from './migrate.js';
import {
  hashNotificationToken,
  notificationTokenFor,
  notificationTokenMatches,
} from './notification-token.js';
import { encryptSecret } from './secret-box.js';

const repoMigrations = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
const THIS_MIGRATION = '20261204140000_notification_token_hash';
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The repository's migrations from before this one. */
async function migrationsBefore(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'db-migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const entry of await readdir(repoMigrations)) {
    if (entry.localeCompare(name) >= 0 && /^\d{14}_/.test(entry)) continue;
    await cp(path.join(repoMigrations, entry), path.join(dir, entry), { recursive: true });
  }
  return dir;
}

describe('notification tokens', () => {
  it('derives one token per connection and key', () => {
    const key = randomBytes(32);
    const id = randomUUID();
    expect(notificationTokenFor(key, id)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(notificationTokenFor(key, id)).toBe(notificationTokenFor(key, id.toUpperCase()));
    expect(notificationTokenFor(key, randomUUID())).not.toBe(notificationTokenFor(key, id));
    expect(notificationTokenFor(randomBytes(32), id)).not.toBe(notificationTokenFor(key, id));
    const token = notificationTokenFor(key, id);
    expect(notificationTokenMatches(hashNotificationToken(token), token)).toBe(true);
    expect(notificationTokenMatches(hashNotificationToken(token), `${token}x`)).toBe(false);
  });

  it('migrates stored tokens to their hashes, so existing notification URLs keep working', async () => {
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(database.drop);
    await migrate(database.url, { migrationsDir: await migrationsBefore(THIS_MIGRATION) });

    const key = randomBytes(32);
    const id = randomUUID();
    const legacyToken = randomBytes(32).toString('base64url');
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const seal = (field: string, value: string) => encryptSecret(key, value, { connectionId: id, field });
      await client.query(
        `INSERT INTO "Connection" (id, "lifeposOrgId", "lifeposPhone", "lifeposPasswordEnc", "retailcrmUrl",
           "retailcrmApiKeyEnc", "errorUserGroupCode", "cashPaymentTypeCode", "cashlessPaymentTypeCode",
           "notificationToken", "updatedAt")
         VALUES ($1, 'org-legacy', '79990000000', $2, 'https://shop.retailcrm.ru', $3, 'g', 'cash', 'card', $4, now())`,
        [
          id,
          seal('lifeposPasswordEnc', 'lifepos-password'),
          seal('retailcrmApiKeyEnc', 'crm-key'),
          legacyToken,
        ],
      );

      await migrate(database.url);

      const { rows } = await client.query('SELECT * FROM "Connection" WHERE id = $1', [id]);
      expect(rows[0]).not.toHaveProperty('notificationToken');
      expect(JSON.stringify(rows[0])).not.toContain(legacyToken);
      expect(rows[0].notificationTokenHash).toBe(hashNotificationToken(legacyToken));
    } finally {
      await client.end();
    }

    const db = createDatabase({ url: database.url, secretsKey: key });
    try {
      expect((await db.connections.findByNotificationToken(legacyToken))?.id).toBe(id);
      expect(await db.connections.findByNotificationToken(notificationTokenFor(key, id))).toBeNull();
    } finally {
      await db.close();
    }
  });
});
