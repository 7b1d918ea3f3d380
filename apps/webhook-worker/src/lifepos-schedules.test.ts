import { randomUUID } from 'node:crypto';
import { connectionSettingsSchema } from '@connector/db';
import { describe, expect, it } from '@jest/globals';
import { connectionOfScheduler, lifeposSchedulerId, lifeposSchedules } from './lifepos-schedules.js';

const connection = (status: 'active' | 'disabled' | 'draft', lifeposPollSeconds = 60) => ({
  id: randomUUID(),
  status,
  settings: connectionSettingsSchema.parse({ lifeposPollSeconds }),
});

describe('LIFE POS schedules', () => {
  it('gives each active connection a sales check every lifeposPollSeconds and a subscription check', () => {
    const fast = connection('active', 5);
    const normal = connection('active');
    const schedules = lifeposSchedules([fast, connection('disabled'), normal, connection('draft')], 300_000);

    expect(schedules).toEqual([
      {
        id: `reconcile.${fast.id}.lifepos-sales`,
        everyMs: 5_000,
        data: { connectionId: fast.id, kind: 'lifepos-sales' },
      },
      {
        id: `reconcile.${fast.id}.subscription`,
        everyMs: 300_000,
        data: { connectionId: fast.id, kind: 'subscription' },
      },
      {
        id: `reconcile.${normal.id}.lifepos-sales`,
        everyMs: 60_000,
        data: { connectionId: normal.id, kind: 'lifepos-sales' },
      },
      {
        id: `reconcile.${normal.id}.subscription`,
        everyMs: 300_000,
        data: { connectionId: normal.id, kind: 'subscription' },
      },
    ]);
  });

  it('tells its schedulers from the other kinds sharing the queue', () => {
    const id = randomUUID();
    expect(connectionOfScheduler(lifeposSchedulerId(id, 'lifepos-sales'))).toBe(id);
    expect(connectionOfScheduler(lifeposSchedulerId(id, 'subscription'))).toBe(id);
    expect(connectionOfScheduler(`reconcile.${id}.retailcrm-history`)).toBeUndefined();
    expect(connectionOfScheduler(`reconcile.${id}`)).toBeUndefined();
    expect(connectionOfScheduler(`sync.${id}`)).toBeUndefined();
  });
});
