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

describe('order marks: the LIFE POS write-back', () => {
  const sale = '8a1c7c52-0a43-4d5e-9f36-1c2b7f0d9e11';
  const otherSale = '0b9e4c7d-5f1a-4e2b-8c3d-7a6f5e4d3c2b';
  const payment = 'c3d2e1f0-1a2b-4c3d-8e9f-0a1b2c3d4e5f';

  it('keeps the states handled and the parts booked per sale of the order', async () => {
    const connectionId = await tenants.tenant();
    const order = { connectionId, retailcrmOrderId: 11, at: at('2026-05-01T10:00:00Z') };
    await db.orderMarks.writeBackRecorded([
      { ...order, kind: 'sale_state_written', saleGuid: sale, state: 'InProgress' },
      { ...order, kind: 'sale_state_written', saleGuid: sale, state: 'Completed' },
      // Recorded again by a later run: still one mark.
      {
        ...order,
        kind: 'sale_state_written',
        saleGuid: sale,
        state: 'Completed',
        at: at('2026-05-02T00:00:00Z'),
      },
      { ...order, kind: 'payment_booked', saleGuid: sale, paymentGuid: payment, part: 'cash' },
      { ...order, kind: 'payment_booked', saleGuid: sale, paymentGuid: payment, part: 'card' },
      // An earlier sale of the re-sent order, and the same sale on another order: not this sale's.
      { ...order, kind: 'sale_state_written', saleGuid: otherSale, state: 'Cancelled' },
      { ...order, retailcrmOrderId: 12, kind: 'sale_state_written', saleGuid: sale, state: 'New' },
    ]);

    const marks = await db.orderMarks.writeBackOfSale(connectionId, 11, sale);
    expect(marks.states.sort()).toEqual(['Completed', 'InProgress']);
    expect(marks.bookedParts).toEqual(
      expect.arrayContaining([
        { paymentGuid: payment, part: 'cash' },
        { paymentGuid: payment, part: 'card' },
      ]),
    );
    expect(marks.bookedParts).toHaveLength(2);
    expect(await db.orderMarks.writeBackOfSale(connectionId, 11, otherSale)).toEqual({
      states: ['Cancelled'],
      bookedParts: [],
    });
    expect(await db.orderMarks.writeBackOfSale(connectionId, 13, sale)).toEqual({
      states: [],
      bookedParts: [],
    });
  });

  it('remembers each partial refund reported, by payment part and refunded amount', async () => {
    const connectionId = await tenants.tenant();
    const order = { connectionId, retailcrmOrderId: 21, at: at('2026-05-01T10:00:00Z') };
    expect(await db.orderMarks.refundsHeldBack(connectionId, 21)).toEqual([]);
    await db.orderMarks.writeBackRecorded([
      { ...order, kind: 'refund_held_back', paymentGuid: payment, part: 'card', refundedKopecks: 5_000 },
      { ...order, kind: 'refund_held_back', paymentGuid: payment, part: 'card', refundedKopecks: 5_000 },
      { ...order, kind: 'refund_held_back', paymentGuid: payment, part: 'card', refundedKopecks: 12_000 },
    ]);

    expect(await db.orderMarks.refundsHeldBack(connectionId, 21)).toEqual(
      expect.arrayContaining([
        { paymentGuid: payment, part: 'card', refundedKopecks: 5_000 },
        { paymentGuid: payment, part: 'card', refundedKopecks: 12_000 },
      ]),
    );
    expect(await db.orderMarks.refundsHeldBack(connectionId, 21)).toHaveLength(2);
    expect(await db.orderMarks.refundsHeldBack(connectionId, 22)).toEqual([]);
  });
});

describe('order marks: what the periodic checks read before calling upstream', () => {
  it('tells whether a trigger of the connection was received since a time', async () => {
    const connectionId = await tenants.tenant();
    const other = await tenants.tenant();
    expect(await db.orderMarks.triggerReceivedSince(connectionId, at('2026-05-01T00:00:00Z'))).toBe(false);
    await db.orderMarks.triggersReceived([
      { connectionId, retailcrmOrderId: 3, trigger: 'new', receivedAt: at('2026-05-01T10:00:00Z') },
      { connectionId: other, retailcrmOrderId: 3, trigger: 'new', receivedAt: at('2026-05-03T10:00:00Z') },
    ]);

    expect(await db.orderMarks.triggerReceivedSince(connectionId, at('2026-05-01T10:00:00Z'))).toBe(true);
    expect(await db.orderMarks.triggerReceivedSince(connectionId, at('2026-05-01T10:00:01Z'))).toBe(false);
  });

  it('finds an exported sale open until its final state is written back', async () => {
    const connectionId = await tenants.tenant();
    const since = new Date(Date.now() - 60_000);
    const link = (orderId: number, saleId: string, state: 'exported' | 'cancelled' = 'exported') =>
      db.orderLinks.upsert(connectionId, orderId, { state, lifeposSaleId: saleId });
    await link(31, '11111111-0000-4000-8000-000000000031', 'cancelled');
    expect(await db.orderMarks.openSaleLinkedSince(connectionId, since)).toBe(false);

    await link(32, '11111111-0000-4000-8000-000000000032');
    expect(await db.orderMarks.openSaleLinkedSince(connectionId, since)).toBe(true);
    // Written before the horizon: not followed any more.
    expect(await db.orderMarks.openSaleLinkedSince(connectionId, new Date(Date.now() + 60_000))).toBe(false);

    const order = { connectionId, retailcrmOrderId: 32, at: new Date() };
    const saleGuid = '11111111-0000-4000-8000-000000000032';
    await db.orderMarks.writeBackRecorded([
      { ...order, kind: 'sale_state_written', saleGuid, state: 'InProgress' },
    ]);
    expect(await db.orderMarks.openSaleLinkedSince(connectionId, since)).toBe(true);
    await db.orderMarks.writeBackRecorded([
      { ...order, kind: 'sale_state_written', saleGuid, state: 'Completed' },
    ]);
    expect(await db.orderMarks.openSaleLinkedSince(connectionId, since)).toBe(false);
  });
});
