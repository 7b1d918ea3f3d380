import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { catalog, jobIdFor, QUEUE_NAMES } from './catalog.js';
import { connectionOfScheduler, wantedSchedules } from './definition-schedules.js';
import { periodicKindOf } from './job-definition.js';
import { offsetWithin } from './job-schedules.js';

const settings = {
  syncEveryMinutes: 5,
  reconcileEverySeconds: 60,
  sweepEverySeconds: 300,
  lifeposPollSeconds: 60,
};
const connection = (status: string, overrides: Partial<typeof settings> = {}) => ({
  id: randomUUID(),
  status,
  settings: { ...settings, ...overrides },
});

/** A schedule at its place in the period: its id's hash. */
const placed = <T extends { id: string; everyMs: number }>(schedule: T) => ({
  ...schedule,
  offsetMs: offsetWithin(schedule.everyMs, schedule.id),
});

describe('the job definitions’ schedules', () => {
  it('gives each active connection one scheduler per periodic kind, with the period its settings give', () => {
    const fast = connection('active', {
      lifeposPollSeconds: 5,
      reconcileEverySeconds: 20,
      syncEveryMinutes: 15,
    });
    const others = [connection('disabled'), connection('draft')];
    const all = [fast, ...others];
    expect(wantedSchedules('lifepos-events', all)).toEqual([
      placed({
        id: `lifepos-events.${fast.id}.sales`,
        everyMs: 5_000,
        data: { connectionId: fast.id, check: 'sales' },
      }),
      placed({
        id: `lifepos-events.${fast.id}.subscription`,
        everyMs: 300_000,
        data: { connectionId: fast.id, check: 'subscription' },
      }),
    ]);
    expect(wantedSchedules('reconcile', all)).toEqual([
      placed({
        id: `reconcile.${fast.id}.retailcrm-history`,
        everyMs: 20_000,
        data: { connectionId: fast.id, kind: 'retailcrm-history' },
      }),
      placed({
        id: `reconcile.${fast.id}.sweep`,
        everyMs: 300_000,
        data: { connectionId: fast.id, kind: 'sweep' },
      }),
    ]);
    expect(wantedSchedules('sync', all)).toEqual([
      placed({ id: `sync.${fast.id}`, everyMs: 15 * 60_000, data: { connectionId: fast.id, scope: 'all' } }),
    ]);
    for (const queue of ['order-export', 'order-cancel', 'order-refund', 'crm-tasks'] as const) {
      expect(wantedSchedules(queue, all)).toEqual([]);
    }
  });

  it('schedules only valid payloads, each a periodic kind of its job', () => {
    const active = [connection('active')];
    for (const queue of QUEUE_NAMES) {
      for (const { data } of wantedSchedules(queue, active)) {
        expect(catalog[queue].schema.safeParse(data).success).toBe(true);
        expect(periodicKindOf(catalog[queue], data)).toBeDefined();
      }
    }
    // A one-off job is no periodic run, even where its subject reads like one.
    const connectionId = randomUUID();
    expect(periodicKindOf(catalog['lifepos-events'], { connectionId, saleId: 'sales' })).toBeUndefined();
    expect(periodicKindOf(catalog.sync, { connectionId, scope: 'store', storeCode: 'all' })).toBeUndefined();
  });

  it('owns the schedulers of a connection on its queue, and only those', () => {
    const id = randomUUID();
    expect(connectionOfScheduler('lifepos-events', jobIdFor('lifepos-events', id, 'sales'))).toBe(id);
    expect(connectionOfScheduler('sync', jobIdFor('sync', id))).toBe(id);
    // The ids LIFE POS checks once had on the `reconcile` queue: removed there by the reconcile worker.
    expect(connectionOfScheduler('reconcile', `reconcile.${id}.lifepos-sales`)).toBe(id);
    expect(connectionOfScheduler('lifepos-events', `reconcile.${id}.sales`)).toBeUndefined();
    expect(connectionOfScheduler('sync', 'sync.not-a-connection')).toBeUndefined();
  });
});
