import { describe, expect, it } from '@jest/globals';
import { decideHistoryRead, type HistoryReadInput } from './history-read-decision.js';

const t0 = Date.parse('2026-05-01T12:00:00Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000);
const base: HistoryReadInput = {
  now: at(120),
  lastReadAt: at(0),
  lastChangeAt: at(-3600),
  everyMs: 60_000,
  idleEveryMs: 300_000,
};

describe('decideHistoryRead', () => {
  it('reads on the first run and when the last change is not known', () => {
    expect(decideHistoryRead({ ...base, lastReadAt: null })).toEqual({ read: true, reason: 'first' });
    expect(decideHistoryRead({ ...base, lastChangeAt: null })).toEqual({ read: true, reason: 'unknown' });
  });

  it('reads every period while a change was found within the idle period', () => {
    expect(decideHistoryRead({ ...base, lastChangeAt: at(-60) })).toEqual({ read: true, reason: 'active' });
  });

  it('leaves an idle shop to a later run, until the idle period is over', () => {
    expect(decideHistoryRead(base)).toEqual({ read: false, until: at(270), triggersSince: at(-180) });
    // The scheduler's run at the fifth period may come a little early: it reads.
    expect(decideHistoryRead({ ...base, now: at(299) })).toEqual({ read: true, reason: 'idle-period-over' });
  });
});
