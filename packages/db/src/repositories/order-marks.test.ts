import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Database } from '../database.js';
import { openTestTenants, type TestTenants } from '../test-support/test-tenants.js';

let tenants: TestTenants;
let db: Database;

beforeAll(async () => {
  tenants = await openTestTenants();
  db = tenants.db;
});

afterAll(() => tenants?.close());

const at = (iso: string) => new Date(iso);

describe('order marks: triggers received', () => {
  it('knows no trigger of an order none was recorded for', async () => {
    const connectionId = await tenants.tenant();
    expect(await db.orderMarks.lastTriggerReceived(connectionId, 1, 'new')).toBeNull();
  });

  it('keeps the latest receipt per order and status, whatever order the writers come in', async () => {
    const connectionId = await tenants.tenant();
    const other = await tenants.tenant();
    await db.orderMarks.triggersReceived([
      { connectionId, retailcrmOrderId: 7, trigger: 'new', receivedAt: at('2026-05-01T10:00:00.123Z') },
      // The same mark twice in one batch is folded, not a conflict of the upsert with itself.
      { connectionId, retailcrmOrderId: 7, trigger: 'new', receivedAt: at('2026-05-01T10:05:00.000Z') },
      { connectionId, retailcrmOrderId: 7, trigger: 'closed', receivedAt: at('2026-05-01T09:00:00.000Z') },
      { connectionId: other, retailcrmOrderId: 7, trigger: 'new', receivedAt: at('2026-05-02T00:00:00Z') },
    ]);
    // A job starting late records its trigger's earlier time: the latest stays.
    await db.orderMarks.triggersReceived([
      { connectionId, retailcrmOrderId: 7, trigger: 'new', receivedAt: at('2026-05-01T10:01:00.000Z') },
    ]);

    expect(await db.orderMarks.lastTriggerReceived(connectionId, 7, 'new')).toEqual(
      at('2026-05-01T10:05:00.000Z'),
    );
    expect(await db.orderMarks.lastTriggerReceived(connectionId, 7, 'closed')).toEqual(
      at('2026-05-01T09:00:00.000Z'),
    );
    expect(await db.orderMarks.lastTriggerReceived(connectionId, 7, 'refund')).toBeNull();
    expect(await db.orderMarks.lastTriggerReceived(connectionId, 8, 'new')).toBeNull();
    expect(await db.orderMarks.lastTriggerReceived(other, 7, 'new')).toEqual(at('2026-05-02T00:00:00Z'));
    const row = await db.prisma.orderMark.findUniqueOrThrow({
      where: {
        connectionId_retailcrmOrderId_kind_subject: {
          connectionId,
          retailcrmOrderId: 7,
          kind: 'trigger_received',
          subject: 'new',
        },
      },
    });
    expect(row.firstAt).toEqual(at('2026-05-01T10:00:00.123Z'));
  });

  it('records nothing for an empty batch', async () => {
    await expect(db.orderMarks.triggersReceived([])).resolves.toBeUndefined();
  });
});
