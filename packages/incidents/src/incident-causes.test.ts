import { describe, expect, it } from '@jest/globals';
import { isPeriodicJob, periodicRunOf, subjectOfJob } from './incident-causes.js';

const connectionId = '0b7c6a52-9d3e-4c55-a1f0-2f7f1c3e9a11';

describe('periodicRunOf', () => {
  it('names the job of a periodic subject as its schedule runs it, with the dedupe id of a one-off run', () => {
    const runs = [
      periodicRunOf('reconcile', 'retailcrm-history', connectionId),
      periodicRunOf('reconcile', 'sweep', connectionId),
      periodicRunOf('lifepos-events', 'sales', connectionId),
      periodicRunOf('lifepos-events', 'subscription', connectionId),
      periodicRunOf('sync', 'all', connectionId),
    ];
    expect(runs.map((run) => run && [run.queue, run.options.dedupeId])).toEqual([
      ['reconcile', `reconcile.${connectionId}.retailcrm-history`],
      ['reconcile', `reconcile.${connectionId}.sweep-now`],
      ['lifepos-events', `lifepos-events.${connectionId}.sales`],
      ['lifepos-events', `lifepos-events.${connectionId}.subscription`],
      ['sync', `sync.${connectionId}.all`],
    ]);
    // The inverse of subjectOfJob: the payload names the same periodic subject again.
    for (const run of runs) {
      if (!run) throw new Error('no run');
      expect(isPeriodicJob(run.queue, run.data)).toBe(true);
      expect(periodicRunOf(run.queue, subjectOfJob(run.queue, run.data).subject, connectionId)).toEqual(run);
    }
  });

  it('names nothing for an order or a one-off subject', () => {
    expect(periodicRunOf('order-export', 'order:5', connectionId)).toBeUndefined();
    expect(periodicRunOf('sync', 'store:shop-1', connectionId)).toBeUndefined();
    expect(periodicRunOf('lifepos-events', 'sale-guid', connectionId)).toBeUndefined();
  });
});
