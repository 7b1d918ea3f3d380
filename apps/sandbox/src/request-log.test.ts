import { describe, expect, it } from '@jest/globals';
import { type LoggedRequest, RequestLog } from './request-log.js';

const entry = (n: number): LoggedRequest => ({
  at: new Date(0).toISOString(),
  system: 'lifepos',
  tenant: 'org',
  method: 'GET',
  path: `/v6/orgs/org/sales/${n}`,
  query: {},
  status: 200,
  durationMs: 1,
});

describe('RequestLog', () => {
  it('keeps the newest entries up to its capacity', () => {
    const log = new RequestLog(2);
    for (const n of [1, 2, 3]) log.record(entry(n));
    expect(log.list().map((e) => e.path)).toEqual(['/v6/orgs/org/sales/2', '/v6/orgs/org/sales/3']);
  });

  it('tells subscribers of every entry, also past the capacity, until they unsubscribe', () => {
    const log = new RequestLog(1);
    const seen: string[] = [];
    const unsubscribe = log.subscribe((e) => seen.push(e.path));
    for (const n of [1, 2, 3]) log.record(entry(n));
    unsubscribe();
    log.record(entry(4));
    expect(seen).toEqual(['/v6/orgs/org/sales/1', '/v6/orgs/org/sales/2', '/v6/orgs/org/sales/3']);
    expect(log.list()).toHaveLength(1);
  });
});
