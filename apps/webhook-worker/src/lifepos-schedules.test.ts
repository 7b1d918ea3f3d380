import { randomUUID } from 'node:crypto';
import { connectionSettingsSchema } from '@connector/db';
import { catalog } from '@connector/queue';
import { describe, expect, it } from '@jest/globals';
import { connectionOfScheduler, lifeposCheckId, lifeposSchedules } from './lifepos-schedules.js';

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
        id: `lifepos-events.${fast.id}.sales`,
        everyMs: 5_000,
        data: { connectionId: fast.id, check: 'sales' },
      },
      {
        id: `lifepos-events.${fast.id}.subscription`,
        everyMs: 300_000,
        data: { connectionId: fast.id, check: 'subscription' },
      },
      {
        id: `lifepos-events.${normal.id}.sales`,
        everyMs: 60_000,
        data: { connectionId: normal.id, check: 'sales' },
      },
      {
        id: `lifepos-events.${normal.id}.subscription`,
        everyMs: 300_000,
        data: { connectionId: normal.id, check: 'subscription' },
      },
    ]);
    // What the schedulers produce is a valid job of the queue.
    for (const { data } of schedules) {
      expect(catalog['lifepos-events'].schema.safeParse(data).success).toBe(true);
    }
  });

  it('reads the connection back from a check scheduler id, and only from one', () => {
    const id = randomUUID();
    expect(connectionOfScheduler(lifeposCheckId(id, 'sales'))).toBe(id);
    expect(connectionOfScheduler(lifeposCheckId(id, 'subscription'))).toBe(id);
    expect(connectionOfScheduler(`lifepos-events.${id}.everything`)).toBeUndefined();
    expect(connectionOfScheduler(`lifepos-events.${id}`)).toBeUndefined();
    // The ids these checks had on the `reconcile` queue, before it became the reconcile-worker's alone.
    expect(connectionOfScheduler(`reconcile.${id}.lifepos-sales`)).toBeUndefined();
    expect(connectionOfScheduler(`reconcile.${id}.subscription`)).toBeUndefined();
  });
});
