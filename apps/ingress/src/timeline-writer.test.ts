import type { OrderEventEntry } from '@connector/db';
import { describe, expect, it } from '@jest/globals';
import { createTimelineWriter, TimelineBacklogFullError } from './timeline-writer.js';

/** An `appendMany` whose statements finish when the test says so. */
function heldStatements() {
  const statements: Array<{ entries: OrderEventEntry[]; finish: (error?: Error) => void }> = [];
  return {
    statements,
    appendMany: (entries: readonly OrderEventEntry[]) =>
      new Promise<void>((resolve, reject) => {
        statements.push({ entries: [...entries], finish: (error) => (error ? reject(error) : resolve()) });
      }),
  };
}

const event = (message: string) => ({ type: 'trigger.received', message });
const orders = (entries: OrderEventEntry[]) => entries.map((entry) => entry.retailcrmOrderId);

describe('timeline writer', () => {
  it('writes a lone entry at once and the entries arriving meanwhile together in the next statement', async () => {
    const db = heldStatements();
    const writer = createTimelineWriter(db, { maxInFlight: 1 });
    const first = writer.append('c1', 1, event('one'));
    expect(db.statements.map((s) => orders(s.entries))).toEqual([[1]]);

    const burst = [2, 3, 4, 5].map((orderId) => writer.append('c1', orderId, event('burst')));
    // Nothing more is sent while the first statement is in flight.
    expect(db.statements).toHaveLength(1);
    db.statements[0]!.finish();
    await first;
    expect(db.statements.map((s) => orders(s.entries))).toEqual([[1], [2, 3, 4, 5]]);
    db.statements[1]!.finish();
    await Promise.all(burst);
  });

  it('lets entries linger for others before writing a batch that is not full', async () => {
    const db = heldStatements();
    const writer = createTimelineWriter(db, { lingerMs: 200, maxBatch: 3 });
    const first = [1, 2].map((orderId) => writer.append('c1', orderId, event('trickle')));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const third = writer.append('c1', 3, event('fills the batch'));
    // A full batch goes at once; the entries after it wait for their own linger.
    expect(db.statements.map((s) => orders(s.entries))).toEqual([[1, 2, 3]]);
    const fourth = writer.append('c1', 4, event('alone'));
    expect(db.statements).toHaveLength(1);
    db.statements[0]!.finish();
    await Promise.all([...first, third]);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(db.statements.map((s) => orders(s.entries))).toEqual([[1, 2, 3], [4]]);
    db.statements[1]!.finish();
    await fourth;
  });

  it('fails exactly the entries of a failed statement', async () => {
    const db = heldStatements();
    const writer = createTimelineWriter(db, { maxInFlight: 1 });
    const first = writer.append('c1', 1, event('one'));
    const second = writer.append('c1', 2, event('two'));
    db.statements[0]!.finish(new Error('database is down'));
    await expect(first).rejects.toThrow('database is down');
    db.statements[1]!.finish();
    await expect(second).resolves.toBeUndefined();
  });

  it('runs up to maxInFlight statements at once, the next one carrying everything that waited', async () => {
    const db = heldStatements();
    const writer = createTimelineWriter(db, { maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5].map((orderId) => writer.append('c1', orderId, event('x')));
    expect(db.statements.map((s) => orders(s.entries))).toEqual([[1], [2]]);
    db.statements[1]!.finish();
    await all[1];
    expect(db.statements.map((s) => orders(s.entries))).toEqual([[1], [2], [3, 4, 5]]);
    db.statements[0]!.finish();
    db.statements[2]!.finish();
    await Promise.all(all);
  });

  it('splits a long queue into statements of at most maxBatch entries', async () => {
    const db = heldStatements();
    const writer = createTimelineWriter(db, { maxInFlight: 1, maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((orderId) => writer.append('c1', orderId, event('x')));
    for (let i = 0; i < 3; i += 1) {
      db.statements[i]!.finish();
      await all[Math.min(2 * i, 4)];
    }
    await Promise.all(all);
    expect(db.statements.map((s) => orders(s.entries))).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('refuses entries beyond maxWaiting at once, while the statements hang (a frozen database)', async () => {
    const db = heldStatements();
    const writer = createTimelineWriter(db, { maxInFlight: 1, maxWaiting: 2 });
    const sent = writer.append('c1', 1, event('in flight'));
    const waiting = [2, 3].map((orderId) => writer.append('c1', orderId, event('waits')));
    await expect(writer.append('c1', 4, event('too many'))).rejects.toBeInstanceOf(TimelineBacklogFullError);
    db.statements[0]!.finish();
    await sent;
    db.statements[1]!.finish();
    await Promise.all(waiting);
    expect(db.statements.map((s) => orders(s.entries))).toEqual([[1], [2, 3]]);
  });
});
