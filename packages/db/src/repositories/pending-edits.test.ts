import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createDatabase } from '../database.js';
import { openTestTenants, type TestTenants } from '../test-support/test-tenants.js';
import { createPendingEditsRepository, UNBOUND_EDIT_TTL_MS } from './pending-edits.js';

let tenants: TestTenants;
let raw: pg.Client;

beforeAll(async () => {
  tenants = await openTestTenants();
  raw = new pg.Client({ connectionString: tenants.database.url });
  await raw.connect();
});

afterAll(async () => {
  await raw?.end();
  await tenants?.close();
});

const rowOf = async (id: string) =>
  (await raw.query('SELECT * FROM "PendingEdit" WHERE id = $1', [id])).rows[0] as
    | Record<string, unknown>
    | undefined;

describe('pending edits', () => {
  it('keeps a connection’s typed secrets encrypted, one field replacing the other’s kept value only', async () => {
    const { db } = tenants;
    const connection = await db.connections.create(tenants.form());
    const owner = { connectionId: connection.id };
    const kept = await db.pendingEdits.keep(owner, { lifeposPassword: 'new-password-1' });
    await db.pendingEdits.keep(owner, { retailcrmApiKey: 'new-key-1' });

    expect((await db.pendingEdits.find(owner))?.secrets).toEqual({
      lifeposPassword: 'new-password-1',
      retailcrmApiKey: 'new-key-1',
    });
    const stored = JSON.stringify(await rowOf(kept.id));
    expect(stored).not.toContain('new-password-1');
    expect(stored).not.toContain('new-key-1');
    // The connection's own secrets are untouched.
    expect((await db.connections.get(connection.id))?.lifeposPassword).toBe(connection.lifeposPassword);

    await db.pendingEdits.discard(owner);
    expect(await db.pendingEdits.find(owner)).toBeNull();
  });

  it('binds a ciphertext to its row and field', async () => {
    const { db } = tenants;
    const first = await db.pendingEdits.keep({ editId: undefined }, { lifeposPassword: 'secret-a' });
    const second = await db.pendingEdits.keep({ editId: undefined }, { retailcrmApiKey: 'secret-b' });
    expect(second.id).not.toBe(first.id);
    const copied = (await rowOf(first.id))?.lifeposPasswordEnc;
    await raw.query('UPDATE "PendingEdit" SET "lifeposPasswordEnc" = $1 WHERE id = $2', [copied, second.id]);
    await raw.query('UPDATE "PendingEdit" SET "retailcrmApiKeyEnc" = $1 WHERE id = $2', [copied, first.id]);
    expect((await db.pendingEdits.find({ editId: second.id }))?.secrets).toEqual({
      retailcrmApiKey: 'secret-b',
    });
    expect((await db.pendingEdits.find({ editId: first.id }))?.secrets).toEqual({
      lifeposPassword: 'secret-a',
    });
  });

  it('forgets a session’s edit after a day, and keeps nothing readable under another key', async () => {
    let now = new Date();
    const pending = createPendingEditsRepository(tenants.db.prisma, tenants.secretsKey, () => now);
    const kept = await pending.keep({ editId: undefined }, { retailcrmApiKey: 'key-of-a-session' });
    expect((await pending.find({ editId: kept.id }))?.secrets.retailcrmApiKey).toBe('key-of-a-session');
    expect(await pending.find({ editId: 'not-a-uuid' })).toBeNull();

    const otherKey = createDatabase({ url: tenants.database.url, secretsKey: randomBytes(32) });
    try {
      expect((await otherKey.pendingEdits.find({ editId: kept.id }))?.secrets).toEqual({});
    } finally {
      await otherKey.close();
    }

    now = new Date(now.getTime() + UNBOUND_EDIT_TTL_MS + 1000);
    expect(await pending.find({ editId: kept.id })).toBeNull();
    const next = await pending.keep({ editId: kept.id }, { lifeposPassword: 'typed-later' });
    expect(next.id).not.toBe(kept.id);
    expect(await rowOf(kept.id)).toBeUndefined();
  });
});
