// The upgrade to the write-back's marks: orders written back before it have their write-back only on the
// timeline. The migration makes their marks from those entries, so that after the upgrade no state is written
// again and no refund reported again (the worker reads only the marks).
import { randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createDatabase, type Database } from './database.js';
import { migrate } from './migrate.js';

const repoMigrations = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
const BEFORE = '20261204190000_order_marks';
const WRITE_BACK_MARKS = '20261204200000_order_mark_write_back';

const sale = '8a1c7c52-0a43-4d5e-9f36-1c2b7f0d9e11';
const payment = 'c3d2e1f0-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const connectionId = randomUUID();

let database: TestDatabase;
let db: Database;
const dirs: string[] = [];

/** The repository's migrations up to and including `last`. */
async function migrationsUpTo(last: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'db-migrations-'));
  dirs.push(dir);
  for (const entry of await readdir(repoMigrations, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name > last) continue;
    await cp(path.join(repoMigrations, entry.name), path.join(dir, entry.name), { recursive: true });
  }
  return dir;
}

/** A connection and the timeline the write-back left before the upgrade, in the schema of then. */
async function seedBeforeUpgrade(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO "Connection" ("id", "lifeposOrgId", "lifeposPhone", "lifeposPasswordEnc", "retailcrmUrl",
         "retailcrmApiKeyEnc", "errorUserGroupCode", "cashPaymentTypeCode", "cashlessPaymentTypeCode",
         "notificationTokenHash", "updatedAt")
       VALUES ($1, $2, '+79990000000', 'x', 'https://shop.retailcrm.ru', 'x', 'support', 'cash', 'bank-card', $3, now())`,
      [connectionId, `org-${randomBytes(6).toString('hex')}`, randomBytes(32).toString('hex')],
    );
    const event = (orderId: number, type: string, data: unknown, createdAt: string) =>
      client.query(
        `INSERT INTO "OrderEvent" ("connectionId", "retailcrmOrderId", "type", "message", "data", "createdAt")
         VALUES ($1, $2, $3, 'm', $4::jsonb, $5)`,
        [connectionId, orderId, type, data === null ? null : JSON.stringify(data), createdAt],
      );
    await event(
      5,
      'writeback.sale_state',
      { saleId: sale, state: 'Completed', outcome: 'set' },
      '2026-05-01 10:00:00',
    );
    // Noted twice (two runs before the upgrade): one mark, first and last time kept.
    await event(
      5,
      'writeback.sale_state',
      { saleId: sale, state: 'Completed', outcome: 'set' },
      '2026-05-01 11:00:00',
    );
    await event(5, 'writeback.sale_state', { saleId: sale, state: 'InProgress' }, '2026-05-01 09:00:00');
    await event(
      5,
      'writeback.payment',
      { saleId: sale, paymentId: payment, part: 'card', amountKopecks: 15_000, status: 'paid' },
      '2026-05-01 09:30:00',
    );
    await event(
      5,
      'writeback.refund_held_back',
      { saleId: sale, paymentId: payment, part: 'card', refundedKopecks: 5_000, amountKopecks: 15_000 },
      '2026-05-01 12:00:00',
    );
    // Neither other entries nor ones without the fields make marks.
    await event(5, 'job.started', { saleId: sale, state: 'New' }, '2026-05-01 08:00:00');
    await event(5, 'writeback.sale_state', null, '2026-05-01 08:00:00');
    await event(5, 'writeback.sale_state', { saleId: sale }, '2026-05-01 08:00:00');
    await client.query(
      `INSERT INTO "OrderMark" VALUES ($1, 5, 'trigger_received', 'new', '2026-05-01 07:00:00', '2026-05-01 07:00:00')`,
      [connectionId],
    );
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  await migrate(database.url, { migrationsDir: await migrationsUpTo(BEFORE) });
  await seedBeforeUpgrade(database.url);
  await migrate(database.url, { migrationsDir: await migrationsUpTo(WRITE_BACK_MARKS) });
  db = createDatabase({ url: database.url, secretsKey: randomBytes(32) });
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the upgrade to the write-back marks', () => {
  it('marks the states written and the parts booked before it, from the timeline', async () => {
    const marks = await db.orderMarks.writeBackOfSale(connectionId, 5, sale);
    expect(marks.states.sort()).toEqual(['Completed', 'InProgress']);
    expect(marks.bookedParts).toEqual([{ paymentGuid: payment, part: 'card' }]);
    const completed = await db.prisma.orderMark.findUniqueOrThrow({
      where: {
        connectionId_retailcrmOrderId_kind_subject: {
          connectionId,
          retailcrmOrderId: 5,
          kind: 'sale_state_written',
          subject: `${sale}:Completed`,
        },
      },
    });
    expect(completed).toMatchObject({
      firstAt: new Date('2026-05-01T10:00:00Z'),
      lastAt: new Date('2026-05-01T11:00:00Z'),
    });
  });

  it('marks the partial refunds reported before it, and keeps the marks there were', async () => {
    expect(await db.orderMarks.refundsHeldBack(connectionId, 5)).toEqual([
      { paymentGuid: payment, part: 'card', refundedKopecks: 5_000 },
    ]);
    expect(await db.orderMarks.lastTriggerReceived(connectionId, 5, 'new')).toEqual(
      new Date('2026-05-01T07:00:00Z'),
    );
    expect(await db.prisma.orderMark.count({ where: { connectionId } })).toBe(5);
  });
});
