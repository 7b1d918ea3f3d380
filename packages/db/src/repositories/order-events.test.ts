import { REDACTED } from '@connector/logger';
import { describe, expect, it } from '@jest/globals';
import { useTestTenants } from '../test-support/test-tenants.js';

const tenants = useTestTenants();

describe('order events', () => {
  it('keeps an append-only timeline per order, oldest first', async () => {
    const connectionId = await tenants.tenant();
    const types = ['trigger.received', 'job.started', 'external.call', 'job.finished'];
    for (const type of types) await tenants.db.orderEvents.append(connectionId, 31, { type, message: type });
    await tenants.db.orderEvents.append(connectionId, 32, {
      type: 'trigger.received',
      message: 'other order',
    });

    const timeline = await tenants.db.orderEvents.list(connectionId, 31);
    expect(timeline.map((event) => event.type)).toEqual(types);
    expect(timeline.every((event) => typeof event.id === 'string')).toBe(true);
    expect(JSON.parse(JSON.stringify(timeline))).toHaveLength(4);
    expect(
      (await tenants.db.orderEvents.list(connectionId, 31, { limit: 2 })).map((event) => event.type),
    ).toEqual(['external.call', 'job.finished']);
  });

  it('stores data as JSON with secrets masked', async () => {
    const connectionId = await tenants.tenant();
    const event = await tenants.db.orderEvents.append(connectionId, 33, {
      type: 'external.call',
      message: 'GET /api/v5/orders/33?apiKey=abcdef123456 → 200',
      data: { status: 200, headers: { 'X-API-KEY': 'abcdef123456' }, body: { id: 33, items: [1, 2] } },
    });

    expect(event.message).toBe(`GET /api/v5/orders/33?apiKey=${REDACTED} → 200`);
    expect(event.data).toEqual({
      status: 200,
      headers: { 'X-API-KEY': REDACTED },
      body: { id: 33, items: [1, 2] },
    });
    expect((await tenants.db.orderEvents.list(connectionId, 33))[0]).toEqual(event);
  });

  it('appends entries of several orders in one statement, in order and masked', async () => {
    const connectionId = await tenants.tenant();
    await tenants.db.orderEvents.appendMany([
      { connectionId, retailcrmOrderId: 41, event: { type: 'trigger.received', message: 'first' } },
      { connectionId, retailcrmOrderId: 42, event: { type: 'trigger.received', message: 'other order' } },
      {
        connectionId,
        retailcrmOrderId: 41,
        event: { type: 'external.call', message: 'second', data: { apiKey: 'abcdef123456' } },
      },
    ]);
    await tenants.db.orderEvents.appendMany([]);

    const timeline = await tenants.db.orderEvents.list(connectionId, 41);
    expect(timeline.map((event) => [event.message, event.data])).toEqual([
      ['first', null],
      ['second', { apiKey: REDACTED }],
    ]);
    expect((await tenants.db.orderEvents.list(connectionId, 42)).map((event) => event.message)).toEqual([
      'other order',
    ]);
  });
});
