import { createHash, randomBytes } from 'node:crypto';
import { REDACTED, redactString } from '@connector/logger';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createDatabase, type Database } from '../database.js';
import { SecretDecryptionError } from '../secret-box.js';
import { openTestTenants, type TestTenants } from '../test-support/test-tenants.js';
import { UniqueViolationError } from '../unique-violation.js';

let tenants: TestTenants;
let db: Database;
let raw: pg.Client;
const form: TestTenants['form'] = (overrides) => tenants.form(overrides);

beforeAll(async () => {
  tenants = await openTestTenants();
  db = tenants.db;
  raw = new pg.Client({ connectionString: tenants.database.url });
  await raw.connect();
});

afterAll(async () => {
  await raw?.end();
  await tenants?.close();
});

async function rawRow(id: string): Promise<Record<string, unknown>> {
  const { rows } = await raw.query('SELECT * FROM "Connection" WHERE id = $1', [id]);
  return rows[0] as Record<string, unknown>;
}

describe('connections', () => {
  it('round-trips the secrets and stores only ciphertext', async () => {
    const input = form();
    const created = await db.connections.create(input);

    expect(created).toMatchObject({
      lifeposOrgId: input.lifeposOrgId,
      lifeposPassword: input.lifeposPassword,
      retailcrmApiKey: input.retailcrmApiKey,
      status: 'draft',
    });
    expect(created).not.toHaveProperty('retailcrmApiKeyEnc');
    expect(await db.connections.get(created.id)).toEqual(created);

    const row = await rawRow(created.id);
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(input.lifeposPassword);
    expect(stored).not.toContain(input.retailcrmApiKey);
    expect(row.retailcrmApiKeyEnc).toMatch(/^v1:/);
    expect(row.lifeposPasswordEnc).toMatch(/^v1:/);
  });

  it('registers every decrypted secret with the logger', async () => {
    const input = form();
    const created = await db.connections.create(input);
    const line = `calling with ${input.retailcrmApiKey} / ${input.lifeposPassword} / ${created.notificationToken}`;
    expect(redactString(line)).toBe(`calling with ${REDACTED} / ${REDACTED} / ${REDACTED}`);
  });

  it('fails loudly on a tampered ciphertext', async () => {
    const created = await db.connections.create(form());
    const row = await rawRow(created.id);
    const [format, iv, tag, ciphertext] = String(row.retailcrmApiKeyEnc).split(':') as string[];
    const bytes = Buffer.from(ciphertext as string, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x20;
    await raw.query('UPDATE "Connection" SET "retailcrmApiKeyEnc" = $1 WHERE id = $2', [
      [format, iv, tag, bytes.toString('base64')].join(':'),
      created.id,
    ]);

    await expect(db.connections.get(created.id)).rejects.toThrow(SecretDecryptionError);
    await expect(db.connections.findByOrgId(created.lifeposOrgId)).rejects.toThrow(
      `Cannot decrypt retailcrmApiKeyEnc of connection ${created.id}`,
    );
  });

  it('fails loudly on a ciphertext moved to another row or another field', async () => {
    const source = await db.connections.create(form());
    const target = await db.connections.create(form());
    const moved = await db.connections.create(form());
    await raw.query(
      'UPDATE "Connection" SET "retailcrmApiKeyEnc" = (SELECT "retailcrmApiKeyEnc" FROM "Connection" WHERE id = $1) WHERE id = $2',
      [source.id, target.id],
    );
    await raw.query('UPDATE "Connection" SET "lifeposPasswordEnc" = "retailcrmApiKeyEnc" WHERE id = $1', [
      moved.id,
    ]);

    await expect(db.connections.get(target.id)).rejects.toThrow(SecretDecryptionError);
    await expect(db.connections.get(moved.id)).rejects.toThrow(
      `Cannot decrypt lifeposPasswordEnc of connection ${moved.id}`,
    );
    expect((await db.connections.get(source.id))?.retailcrmApiKey).toBe(source.retailcrmApiKey);
  });

  it('fails loudly under a wrong key', async () => {
    const created = await db.connections.create(form());
    const other = createDatabase({ url: tenants.database.url, secretsKey: randomBytes(32) });
    try {
      await expect(other.connections.get(created.id)).rejects.toThrow(SecretDecryptionError);
    } finally {
      await other.close();
    }
  });

  it('lists and looks up summaries (id, status, settings) without opening any secret', async () => {
    const created = await db.connections.create({ ...form(), settings: { syncEveryMinutes: 15 } });
    // Under a wrong key every secret fails to open: the summaries never try.
    const other = createDatabase({ url: tenants.database.url, secretsKey: randomBytes(32) });
    try {
      const summary = (await other.connections.listSummaries()).find((row) => row.id === created.id);
      const expected = {
        id: created.id,
        status: created.status,
        disabledReason: null,
        settings: created.settings,
      };
      expect(summary).toEqual(expected);
      expect(summary?.settings.syncEveryMinutes).toBe(15);
      expect(await other.connections.getSummary(created.id)).toEqual(expected);
      expect(await other.connections.findSummaryByOrgId(created.lifeposOrgId)).toEqual(expected);
      expect(await other.connections.findByNotificationToken(created.notificationToken)).toEqual(expected);
      expect(await other.connections.getSummary('not-a-uuid')).toBeNull();
    } finally {
      await other.close();
    }
  });

  it('lists the versions of every connection, and the summaries of the given ids only', async () => {
    const first = await db.connections.create(form());
    const second = await db.connections.create(form());
    const versionOf = async (id: string) =>
      (await db.connections.listVersions()).find((version) => version.id === id);
    const before = await versionOf(first.id);
    expect(before).toEqual({ id: first.id, status: first.status, updatedAt: first.updatedAt });

    const updated = await db.connections.update(first.id, { settings: { syncEveryMinutes: 15 } });
    expect((await versionOf(first.id))?.updatedAt).toEqual(updated?.updatedAt);

    const summaries = await db.connections.listSummaries({ ids: [second.id.toUpperCase(), 'not-a-uuid'] });
    expect(summaries.map((summary) => summary.id)).toEqual([second.id]);
    expect(await db.connections.listSummaries({ ids: [] })).toEqual([]);
    await db.connections.delete(second.id);
    expect(await versionOf(second.id)).toBeUndefined();
  });

  it('lists the status and periods of connections a page at a time, in id order, the defaults applied', async () => {
    const created = await Promise.all(Array.from({ length: 5 }, () => db.connections.create(form())));
    const ids = created.map(({ id }) => id).sort();
    // As stored by an older app: only one key; the others read with their defaults.
    await raw.query(`UPDATE "Connection" SET settings = '{"syncEveryMinutes": 15}' WHERE id = $1`, [ids[1]]);
    await raw.query(`UPDATE "Connection" SET status = 'active' WHERE id = $1`, [ids[2]]);

    const pages: string[][] = [];
    for (let afterId: string | undefined; ; ) {
      const page = await db.connections.listScheduled({ ids, limit: 2, ...(afterId && { afterId }) });
      if (page.length > 0) pages.push(page.map(({ id }) => id));
      if (page.length < 2) break;
      afterId = page.at(-1)!.id;
    }
    expect(pages).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);

    const [second, third] = await db.connections.listScheduled({
      ids: [ids[1]!, ids[2]!.toUpperCase(), 'x'],
    });
    expect(second).toEqual({
      id: ids[1],
      status: 'draft',
      settings: {
        syncEveryMinutes: 15,
        reconcileEverySeconds: 60,
        sweepEverySeconds: 300,
        lifeposPollSeconds: 60,
      },
    });
    expect(third).toMatchObject({ id: ids[2], status: 'active' });
    expect(await db.connections.listScheduled({ ids: [] })).toEqual([]);

    // Without ids: every connection, each once, in id order across the pages.
    const all: string[] = [];
    for (let page = await db.connections.listScheduled({ limit: 3 }); page.length > 0; ) {
      all.push(...page.map(({ id }) => id));
      page =
        page.length < 3 ? [] : await db.connections.listScheduled({ limit: 3, afterId: page.at(-1)!.id });
    }
    expect(all).toEqual([...all].sort());
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(expect.arrayContaining(ids));
    expect(all).toHaveLength((await db.connections.listVersions()).length);
  });

  it('refuses a secrets key of the wrong size', () => {
    expect(() => createDatabase({ url: tenants.database.url, secretsKey: randomBytes(16) })).toThrow(
      /32 bytes/,
    );
  });

  it('finds a tenant by org id and by notification token', async () => {
    const created = await db.connections.create(form());
    expect(created.notificationToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect((await db.connections.findByOrgId(created.lifeposOrgId))?.id).toBe(created.id);
    expect((await db.connections.findByNotificationToken(created.notificationToken))?.id).toBe(created.id);
    expect(await db.connections.get(created.id.toUpperCase())).toMatchObject({ id: created.id });
    expect(await db.connections.get('not-a-uuid')).toBeNull();
    expect(await db.connections.findByOrgId('no-such-org')).toBeNull();
    expect(await db.connections.findByNotificationToken('no-such-token')).toBeNull();
  });

  it('gives every connection its own notification token', async () => {
    const a = await db.connections.create(form());
    const b = await db.connections.create(form());
    expect(a.notificationToken).not.toBe(b.notificationToken);
  });

  it('stores only the hash of the notification token, and derives the token again from the key', async () => {
    const created = await db.connections.create(form());
    const row = await rawRow(created.id);
    expect(JSON.stringify(row)).not.toContain(created.notificationToken);
    expect(row).not.toHaveProperty('notificationToken');
    expect(row.notificationTokenHash).toBe(
      createHash('sha256').update(created.notificationToken).digest('hex'),
    );
    // Every process with the same SECRETS_KEY builds the same notification URL.
    expect((await db.connections.get(created.id))?.notificationToken).toBe(created.notificationToken);

    const wrong = `${created.notificationToken.slice(0, -1)}${created.notificationToken.endsWith('A') ? 'B' : 'A'}`;
    expect(await db.connections.findByNotificationToken(wrong)).toBeNull();
    expect(await db.connections.findByNotificationToken(row.notificationTokenHash as string)).toBeNull();
  });

  it('keeps accepting the token of a connection from before derived tokens until it adopts the derived one', async () => {
    const created = await db.connections.create(form());
    const legacy = randomBytes(32).toString('base64url');
    // What the migration leaves for such a connection: the hash of its random token.
    await raw.query(
      `UPDATE "Connection" SET "notificationTokenHash" = encode(sha256(convert_to($1, 'UTF8')), 'hex') WHERE id = $2`,
      [legacy, created.id],
    );
    expect((await db.connections.findByNotificationToken(legacy))?.id).toBe(created.id);
    expect(await db.connections.findByNotificationToken(created.notificationToken)).toBeNull();

    expect(await db.connections.adoptNotificationToken(created.id)).toBe(true);
    expect(await db.connections.adoptNotificationToken(created.id)).toBe(false);
    expect(await db.connections.findByNotificationToken(legacy)).toBeNull();
    expect((await db.connections.findByNotificationToken(created.notificationToken))?.id).toBe(created.id);
  });

  it('rejects a second connection of the same LIFE POS org with UniqueViolationError', async () => {
    const input = form();
    await db.connections.create(input);
    const error = await db.connections.create(form({ lifeposOrgId: input.lifeposOrgId })).catch((e) => e);
    expect(error).toBeInstanceOf(UniqueViolationError);
    expect(error).toMatchObject({
      model: 'Connection',
      fields: ['lifeposOrgId'],
      constraint: 'Connection_lifeposOrgId_key',
    });
  });

  it('updates fields and re-encrypts changed secrets for the same row', async () => {
    const created = await db.connections.create(form());
    const before = await rawRow(created.id);

    const updated = await db.connections.update(created.id.toUpperCase(), {
      retailcrmApiKey: 'new-api-key-123456',
      status: 'disabled',
      disabledReason: 'API key revoked',
    });

    expect(updated).toMatchObject({
      retailcrmApiKey: 'new-api-key-123456',
      lifeposPassword: created.lifeposPassword,
      status: 'disabled',
      disabledReason: 'API key revoked',
    });
    const after = await rawRow(created.id);
    expect(after.retailcrmApiKeyEnc).not.toBe(before.retailcrmApiKeyEnc);
    expect(after.lifeposPasswordEnc).toBe(before.lifeposPasswordEnc);
    expect(await db.connections.get(created.id)).toEqual(updated);
    expect(
      await db.connections.update('00000000-0000-4000-8000-000000000000', { status: 'active' }),
    ).toBeNull();
  });

  it('fills settings with defaults and validates them', async () => {
    const plain = await db.connections.create(form());
    expect(plain.settings).toEqual({
      exportStatuses: ['new'],
      cancelStatuses: [
        'no-call',
        'no-product',
        'already-buyed',
        'delyvery-did-not-suit',
        'prices-did-not-suit',
        'cancel-other',
        'abandoned-cart',
        'returned',
      ],
      deleteStatuses: [],
      refundPaymentStatuses: ['returned'],
      saleStateToStatus: { Completed: 'complete', Cancelled: 'cancel-other' },
      paidPaymentStatus: 'paid',
      refundedPaymentStatus: 'returned',
      deliveryTypeToOrderKind: { courier: 'delivery', 'self-delivery': 'pickup' },
      syncEveryMinutes: 5,
      syncStoreTypes: ['store-type-retail'],
      storeSites: {},
      sweepEverySeconds: 300,
      sweepWindowHours: 48,
      lifeposPollSeconds: 60,
      reconcileEverySeconds: 60,
      reconcileIdleEverySeconds: 300,
      rateLimits: { retailcrmPerSecond: 10, lifeposPerSecond: 5 },
    });

    const custom = await db.connections.create(
      form({ settings: { deleteStatuses: ['wrong-cancel'], rateLimits: { lifeposPerSecond: 2 } } }),
    );
    expect(custom.settings.deleteStatuses).toEqual(['wrong-cancel']);
    expect(custom.settings.rateLimits).toEqual({ retailcrmPerSecond: 10, lifeposPerSecond: 2 });
    expect(custom.settings.exportStatuses).toEqual(['new']);

    await expect(
      db.connections.update(custom.id, {
        settings: { deliveryTypeToOrderKind: { courier: 'teleport' as 'pickup' } },
      }),
    ).rejects.toThrow();
    expect((await db.connections.get(custom.id))?.settings.deleteStatuses).toEqual(['wrong-cancel']);
  });

  it('records health and lists by status', async () => {
    const created = await db.connections.create(form({ status: 'active' }));
    const at = new Date('2026-03-01T10:00:00.123Z');

    await db.connections.recordCheck(created.id, { ok: false, error: 'RetailCRM answered 401' }, at);
    expect(await db.connections.get(created.id)).toMatchObject({
      lastCheckAt: at,
      lastCheckOk: false,
      lastError: 'RetailCRM answered 401',
    });
    await db.connections.recordCheck(created.id, { ok: true }, at);
    const beforeSync = (await db.connections.get(created.id))!.updatedAt;
    await db.connections.recordSync(created.id, at);
    expect(await db.connections.get(created.id)).toMatchObject({
      lastCheckOk: true,
      lastError: null,
      lastSyncAt: at,
      // A sync is not a change of the connection (the keepers and the client cache compare updatedAt).
      updatedAt: beforeSync,
    });
    await db.connections.recordCheck(created.id, {
      ok: true,
      lifeposOrgName: 'Цветочная лавка',
      report: { ok: true, lines: [{ id: 'lifepos.sign_in', message: `key ${created.retailcrmApiKey}` }] },
    });
    const checked = await db.connections.get(created.id);
    expect(checked?.lifeposOrgName).toBe('Цветочная лавка');
    expect(JSON.stringify(checked?.lastCheckReport)).not.toContain(created.retailcrmApiKey);
    await db.connections.recordCheck(created.id, { ok: true });
    expect((await db.connections.get(created.id))?.lifeposOrgName).toBe('Цветочная лавка');

    const active = await db.connections.list({ status: 'active' });
    expect(active.map((connection) => connection.id)).toContain(created.id);
    expect(active.every((connection) => connection.status === 'active')).toBe(true);
  });

  it('stamps activatedAt when a connection becomes active, not when an active one is saved again', async () => {
    const born = await db.connections.create(form({ status: 'active' }));
    expect(born.activatedAt).toBeInstanceOf(Date);
    const draft = await db.connections.create(form());
    expect(draft.activatedAt).toBeNull();

    const before = Date.now();
    const activated = await db.connections.update(draft.id, { status: 'active' });
    expect(activated!.activatedAt!.getTime()).toBeGreaterThanOrEqual(before - 1);
    const saved = await db.connections.update(draft.id, { status: 'active', errorUserGroupCode: 'other' });
    expect(saved!.activatedAt).toEqual(activated!.activatedAt);

    await db.connections.update(draft.id, { status: 'disabled' });
    const longAgo = new Date('2026-01-01T00:00:00Z');
    await raw.query('UPDATE "Connection" SET "activatedAt" = $1 WHERE id = $2', [longAgo, draft.id]);
    const again = await db.connections.update(draft.id, { status: 'active' });
    expect(again!.activatedAt!.getTime()).toBeGreaterThanOrEqual(activated!.activatedAt!.getTime());
  });

  it('deletes a connection with everything that belongs to it', async () => {
    const created = await db.connections.create(form());
    await db.orderLinks.upsert(created.id, 1, { state: 'exported' });
    await db.orderEvents.append(created.id, 1, { type: 'trigger.received', message: 'new' });

    expect(await db.connections.delete(created.id)).toBe(true);
    expect(await db.connections.delete(created.id)).toBe(false);
    const { rows } = await raw.query(
      'SELECT (SELECT count(*) FROM "OrderLink" WHERE "connectionId" = $1) + (SELECT count(*) FROM "OrderEvent" WHERE "connectionId" = $1) AS n',
      [created.id],
    );
    expect(Number(rows[0].n)).toBe(0);
  });
});
