import { describe, expect, it } from '@jest/globals';
import { createFloodGuard } from './flood-guard.js';

function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('createFloodGuard', () => {
  it('allows a burst of perSecond per key, then refuses with the wait until the next token', () => {
    const time = clock();
    const guard = createFloodGuard({ perSecond: 4, now: time.now });
    const decisions = Array.from({ length: 6 }, () => guard.take('a'));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(4);
    expect(decisions[4]).toEqual({ allowed: false, retryAfterMs: 250 });
    // Another key has a bucket of its own.
    expect(guard.take('b')).toEqual({ allowed: true });

    time.advance(250);
    expect(guard.take('a')).toEqual({ allowed: true });
    expect(guard.take('a').allowed).toBe(false);
  });

  it('refills to at most one burst', () => {
    const time = clock();
    const guard = createFloodGuard({ perSecond: 2, now: time.now });
    guard.take('a');
    guard.take('a');
    time.advance(60_000);
    expect([guard.take('a'), guard.take('a'), guard.take('a')].map((d) => d.allowed)).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('keeps refusing a key that keeps flooding while others pass', () => {
    const time = clock();
    const guard = createFloodGuard({ perSecond: 10, now: time.now });
    let allowed = 0;
    for (let ms = 0; ms < 3_000; ms += 10) {
      if (guard.take('loop').allowed) allowed += 1;
      time.advance(10);
    }
    // 3 s at 100 requests/s: the burst of 10 plus 10 per second.
    expect(allowed).toBeGreaterThanOrEqual(39);
    expect(allowed).toBeLessThanOrEqual(41);
    expect(guard.take('quiet').allowed).toBe(true);
  });
});
