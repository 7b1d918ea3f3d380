import { describe, expect, it } from '@jest/globals';
import { idleBacklogSince, isStalled } from './consumption-watch.js';

const base = { backlog: 3, active: 0, concurrency: 2, lastStartedAt: 0, now: 10_000 };

describe('consumption watch', () => {
  it.each([
    ['no backlog', undefined, { ...base, backlog: 0 }, undefined],
    ['all slots busy', 5_000, { ...base, active: 2 }, undefined],
    ['backlog first seen', undefined, base, 10_000],
    ['backlog still untouched', 4_000, { ...base, lastStartedAt: 3_000 }, 4_000],
    ['a job started since', 4_000, { ...base, lastStartedAt: 6_000 }, 10_000],
  ] as const)('%s', (_case, previous, observation, expected) => {
    expect(idleBacklogSince(previous, observation)).toBe(expected);
  });

  it('calls a backlog untouched for stallAfterMs stalled', () => {
    expect(isStalled(undefined, 100_000, 30_000)).toBe(false);
    expect(isStalled(80_000, 100_000, 30_000)).toBe(false);
    expect(isStalled(70_000, 100_000, 30_000)).toBe(true);
  });
});
