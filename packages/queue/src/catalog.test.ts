import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { catalog, jobIdFor, lockKeyOf, orderJobId, QUEUE_NAMES } from './catalog.js';

const connectionId = randomUUID();

describe('catalog', () => {
  it('names exactly the queues of the architecture', () => {
    expect([...QUEUE_NAMES].sort()).toEqual(
      [
        'crm-tasks',
        'lifepos-events',
        'order-cancel',
        'order-export',
        'order-refund',
        'reconcile',
        'sync',
      ].sort(),
    );
  });

  it.each([
    ['order-export', { connectionId, orderId: 42, source: 'trigger' }, true],
    ['order-cancel', { connectionId, orderId: 42, source: 'outbox' }, true],
    ['order-refund', { connectionId, orderId: 0, source: 'trigger' }, false],
    ['order-export', { connectionId, orderId: 1.5, source: 'trigger' }, false],
    ['order-export', { connectionId: 'not-a-uuid', orderId: 1, source: 'trigger' }, false],
    ['order-export', { connectionId, orderId: 1, source: 'webhook' }, false],
    ['order-export', { connectionId, orderId: 1, source: 'trigger', apiKey: 'secret' }, false],
    ['lifepos-events', { connectionId, notificationId: randomUUID() }, true],
    ['lifepos-events', { connectionId, saleId: 'a1b2' }, true],
    ['lifepos-events', { connectionId, check: 'sales' }, true],
    ['lifepos-events', { connectionId, check: 'subscription' }, true],
    ['lifepos-events', { connectionId }, false],
    ['lifepos-events', { connectionId, notificationId: randomUUID(), saleId: 'a1b2' }, false],
    ['lifepos-events', { connectionId, saleId: 'a1b2', check: 'sales' }, false],
    ['lifepos-events', { connectionId, notificationId: randomUUID(), check: 'subscription' }, false],
    ['lifepos-events', { connectionId, check: 'everything' }, false],
    ['lifepos-events', { connectionId, notificationId: 'not-a-uuid' }, false],
    ['lifepos-events', { connectionId, saleId: '' }, false],
    ['lifepos-events', { connectionId, check: 'sales', kind: 'subscription' }, false],
    ['sync', { connectionId, scope: 'all' }, true],
    ['sync', { connectionId, scope: 'store', storeCode: 'main' }, true],
    ['sync', { connectionId, scope: 'courier', courierId: 7 }, true],
    ['sync', { connectionId, scope: 'all', storeCode: 'main' }, false],
    ['sync', { connectionId, scope: 'everything' }, false],
    ['crm-tasks', { connectionId, incidentId: randomUUID() }, true],
    ['crm-tasks', { connectionId }, false],
    ['reconcile', { connectionId, kind: 'retailcrm-history' }, true],
    ['reconcile', { connectionId, kind: 'lifepos-sales' }, false],
    ['reconcile', { connectionId, kind: 'subscription' }, false],
    ['reconcile', { connectionId }, false],
    ['reconcile', { connectionId, kind: 'everything' }, false],
  ] as const)('%s accepts %j: %s', (queue, payload, valid) => {
    expect(catalog[queue].schema.safeParse(payload).success).toBe(valid);
  });

  it('gives every queue retries with jittered exponential backoff and bounded retention', () => {
    for (const queue of QUEUE_NAMES) {
      const { policy } = catalog[queue];
      expect(policy.attempts).toBeGreaterThan(1);
      expect(policy.backoff.type).toBe('exponential');
      expect(policy.backoff.jitter).toBeGreaterThan(0);
      expect(policy.removeOnComplete.age).toBeGreaterThan(0);
      expect(policy.removeOnFail.count).toBeGreaterThan(0);
    }
  });

  it('locks the three order queues on the same (connection, order) key', () => {
    const data = { connectionId, orderId: 5, source: 'trigger' } as const;
    const keys = (['order-export', 'order-cancel', 'order-refund'] as const).map((q) => lockKeyOf(q, data));
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toBe(`order:${connectionId}:5`);
    expect(lockKeyOf('sync', { connectionId, scope: 'all' })).toBeUndefined();
  });

  it('builds deterministic job ids without colons', () => {
    expect(orderJobId('order-export', connectionId, 42)).toBe(`order-export.${connectionId}.42`);
    expect(orderJobId('order-export', connectionId, 42)).toBe(orderJobId('order-export', connectionId, 42));
    expect(orderJobId('order-cancel', connectionId, 42)).not.toBe(
      orderJobId('order-export', connectionId, 42),
    );
    expect(jobIdFor('lifepos-events', 'n1')).not.toContain(':');
    expect(() => jobIdFor('sync', 'a:b')).toThrow(/must not contain ':'/);
    expect(() => jobIdFor('sync', '')).toThrow(/non-empty/);
  });
});
