import { describe, expect, it } from '@jest/globals';
import { jobIdFor } from './catalog.js';
import { orderExportPace } from './pacing.js';
import { encodeTriggers, type StreamedTrigger, TRIGGERS_FIELD, triggersOf } from './trigger-stream.js';

const shop = '6f1c1a52-1d43-4b0e-9d35-2f0a3c1e7b11';

function exported(orderId: number, overrides: Partial<StreamedTrigger> = {}): StreamedTrigger {
  return {
    queue: 'order-export',
    connectionId: shop,
    orderId,
    status: 'new',
    jobId: jobIdFor('order-export', shop, orderId, 'a1b2c3d4e5f60718'),
    receivedAt: 1_764_905_000_123,
    pace: orderExportPace(shop, { retailcrmPerSecond: 3, lifeposPerSecond: 5 }),
    ...overrides,
  };
}

describe('trigger stream entries', () => {
  it('keep every field of the triggers appended together', () => {
    const cancel = exported(3, { queue: 'order-cancel', status: 'closed' });
    delete cancel.pace;
    const triggers = [
      exported(1),
      exported(2, { pace: { key: 'order-export:another-lane', intervalMs: 250 } }),
      cancel,
      exported(4, { jobId: 'order-export.legacy-id' }),
    ];

    expect(triggersOf([TRIGGERS_FIELD, encodeTriggers(triggers)])).toEqual(triggers);
  });

  it('store neither the job id prefix nor the connection export pace key twice', () => {
    const value = encodeTriggers([exported(1)]);

    expect(value).not.toContain('order-export:');
    expect(value.split(shop)).toHaveLength(2);
    expect(value).toContain('"a1b2c3d4e5f60718"');
  });

  it('still read entries that spell the export pace key out', () => {
    const trigger = exported(7);
    const spelled = JSON.stringify([
      ['order-export', shop, 7, 'new', 'a1b2c3d4e5f60718', trigger.receivedAt, trigger.pace!.key, 336.5],
    ]);

    expect(triggersOf([TRIGGERS_FIELD, spelled])).toEqual([
      { ...trigger, pace: { key: trigger.pace!.key, intervalMs: 336.5 } },
    ]);
  });

  it('leave out what does not parse', () => {
    expect(triggersOf([TRIGGERS_FIELD, 'not json'])).toEqual([]);
    expect(triggersOf([TRIGGERS_FIELD, JSON.stringify([['order-export', shop]])])).toEqual([]);
    expect(triggersOf(['other', '[]'])).toEqual([]);
  });
});
