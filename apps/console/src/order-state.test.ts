import { describe, expect, it } from '@jest/globals';
import { type OrderStateInput, orderState, STUCK_AFTER_MS } from './order-state.js';

const now = new Date('2026-12-04T12:00:00Z');
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const fact = (type: string, minutes: number, data: unknown = null) => ({
  type,
  data,
  createdAt: ago(minutes),
});
const exported = { state: 'exported', lastSyncedAt: ago(50) };

const state = (input: Partial<OrderStateInput>) =>
  orderState({ link: null, facts: [], openIncidents: 0, now, ...input });

describe('orderState', () => {
  it('is failed while an incident holds the order, or its link or last job says so', () => {
    expect(state({ link: exported, openIncidents: 1 })).toEqual({
      state: 'failed',
      stuck: false,
      attention: true,
    });
    expect(state({ link: { ...exported, state: 'failed' } }).state).toBe('failed');
    expect(state({ facts: [fact('trigger.received', 30), fact('job.failed', 20)] }).state).toBe('failed');
    // Enqueued again after the failure: waiting, not failed.
    expect(state({ facts: [fact('job.failed', 20)], queuedSince: ago(1) }).state).toBe('waiting');
  });

  it('is waiting while a trigger is unanswered or a job is queued, and stuck after a while', () => {
    expect(state({ facts: [fact('trigger.received', 1)] })).toEqual({
      state: 'waiting',
      stuck: false,
      attention: false,
    });
    const stuckMinutes = STUCK_AFTER_MS / 60_000 + 1;
    expect(state({ facts: [fact('trigger.received', stuckMinutes)] })).toEqual({
      state: 'waiting',
      stuck: true,
      attention: true,
    });
    // A new trigger (e.g. cancel) for an exported order, not handled yet.
    expect(
      state({ link: exported, facts: [fact('job.finished', 50), fact('trigger.received', 2)] }).state,
    ).toBe('waiting');
    expect(state({ link: exported, queuedSince: ago(stuckMinutes) })).toMatchObject({
      state: 'waiting',
      stuck: true,
    });
  });

  it('follows the link once the jobs are done', () => {
    const done = [fact('trigger.received', 55), fact('job.finished', 50)];
    expect(state({ link: exported, facts: done }).state).toBe('exported');
    expect(state({ link: { ...exported, state: 'cancelled' }, facts: done }).state).toBe('cancelled');
    expect(state({ link: { ...exported, state: 'deleted' }, facts: done }).state).toBe('cancelled');
    expect(state({ link: { ...exported, state: 'refunded' }, facts: done }).state).toBe('refunded');
  });

  it('reads payments and sale states written back from LIFE POS, the latest first', () => {
    const done = [fact('trigger.received', 55), fact('job.finished', 50)];
    const paid = fact('writeback.payment', 40);
    expect(state({ link: exported, facts: [...done, paid] }).state).toBe('paid');
    const completed = fact('writeback.sale_state', 30, { state: 'Completed' });
    expect(state({ link: exported, facts: [...done, paid, completed] }).state).toBe('completed');
    // The payment booked after the sale was completed leaves it completed.
    expect(state({ link: exported, facts: [...done, fact('writeback.payment', 10), completed] }).state).toBe(
      'completed',
    );
    expect(
      state({ link: exported, facts: [...done, paid, fact('writeback.payment_refunded', 5)] }).state,
    ).toBe('refunded');
    expect(
      state({ link: exported, facts: [...done, fact('writeback.sale_state', 5, { state: 'Cancelled' })] })
        .state,
    ).toBe('cancelled');
    expect(
      state({ link: exported, facts: [...done, fact('writeback.sale_state', 5, { state: 'InProgress' })] })
        .state,
    ).toBe('exported');
  });
});
