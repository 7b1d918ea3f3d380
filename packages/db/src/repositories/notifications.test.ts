import { describe, expect, it } from '@jest/globals';
import { useTestTenants } from '../test-support/test-tenants.js';

const tenants = useTestTenants();

describe('LIFE POS notifications', () => {
  it('stores a notification as received and marks it processed', async () => {
    const connectionId = await tenants.tenant();
    const body = { type_of: 'Sale', guid: 'sale-1', state: 'Completed', sum: { value: 150000 } };
    const stored = await tenants.db.notifications.record(connectionId, { typeOf: 'Sale', body });

    expect(stored).toMatchObject({ connectionId, typeOf: 'Sale', body, processedAt: null });
    expect(stored.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await tenants.db.notifications.get(stored.id)).toEqual(stored);

    await tenants.db.notifications.markProcessed(stored.id);
    expect((await tenants.db.notifications.get(stored.id))?.processedAt).toBeInstanceOf(Date);
  });

  it('lists the unprocessed ones received before a time, oldest first', async () => {
    const connectionId = await tenants.tenant();
    const first = await tenants.db.notifications.record(connectionId, {
      typeOf: 'SalePayment',
      body: { n: 1 },
    });
    const done = await tenants.db.notifications.record(connectionId, {
      typeOf: 'SalePayment',
      body: { n: 2 },
    });
    const second = await tenants.db.notifications.record(connectionId, {
      typeOf: 'SaleRefund',
      body: { n: 3 },
    });
    await tenants.db.notifications.markProcessed(done.id);

    const waiting = await tenants.db.notifications.listUnprocessed({
      receivedBefore: new Date(Date.now() + 1000),
      limit: 10,
    });
    const mine = waiting.filter((notification) => notification.connectionId === connectionId);
    expect(mine.map((notification) => notification.id)).toEqual([first.id, second.id]);
    expect(
      await tenants.db.notifications.listUnprocessed({ receivedBefore: first.receivedAt, limit: 10 }),
    ).toEqual([]);
  });
});
