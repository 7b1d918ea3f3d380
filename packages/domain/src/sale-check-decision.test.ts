import { describe, expect, it } from '@jest/globals';
import { type SaleCheckInput, saleWrittenBack } from './sale-check-decision.js';

const base: SaleCheckInput = {
  sale: { guid: 's-1', state: 'New', paymentStatus: 'NotPaid', archived: false, totalKopecks: 150_00 },
  isOrderSale: true,
  mapping: { Completed: 'complete', Cancelled: 'cancel-other' },
  handledStates: [],
  booked: { parts: 0, kopecks: 0, refundedParts: 0 },
};
const withSale = (sale: Partial<SaleCheckInput['sale']>, rest: Partial<SaleCheckInput> = {}) => ({
  ...base,
  ...rest,
  sale: { ...base.sale, ...sale },
});

describe('saleWrittenBack', () => {
  it('a sale just exported (New, not paid) has nothing to write back', () => {
    expect(saleWrittenBack(base)).toBe(true);
  });

  it('a payment not booked yet, or booked short of the total, is still to write back', () => {
    expect(saleWrittenBack(withSale({ state: 'InProgress', paymentStatus: 'Paid' }))).toBe(false);
    const short = { booked: { parts: 1, kopecks: 100_00, refundedParts: 0 } };
    expect(saleWrittenBack(withSale({ state: 'InProgress', paymentStatus: 'Paid' }, short))).toBe(false);
    const full = { booked: { parts: 2, kopecks: 150_00, refundedParts: 0 } };
    expect(saleWrittenBack(withSale({ state: 'InProgress', paymentStatus: 'Paid' }, full))).toBe(true);
  });

  it('a refund is written back until every booked part is marked refunded', () => {
    const booked = (refundedParts: number) => ({ booked: { parts: 2, kopecks: 150_00, refundedParts } });
    expect(saleWrittenBack(withSale({ paymentStatus: 'Refunded' }, booked(1)))).toBe(false);
    expect(saleWrittenBack(withSale({ paymentStatus: 'Refunded' }, booked(2)))).toBe(true);
    expect(saleWrittenBack(withSale({ paymentStatus: 'PartiallyRefunded' }, booked(2)))).toBe(false);
  });

  it('a mapped or terminal state is written back once', () => {
    expect(saleWrittenBack(withSale({ state: 'Completed' }))).toBe(false);
    expect(saleWrittenBack(withSale({ state: 'Completed' }, { handledStates: ['Completed'] }))).toBe(true);
    expect(saleWrittenBack(withSale({ state: 'Cancelled' }, { mapping: {} }))).toBe(false);
    expect(
      saleWrittenBack(withSale({ state: 'InProgress' }, { mapping: { InProgress: 'assembling' } })),
    ).toBe(false);
  });

  it('the state of an archived sale, or of an earlier sale of the order, moves nothing', () => {
    expect(saleWrittenBack(withSale({ state: 'Cancelled', archived: true }))).toBe(true);
    expect(saleWrittenBack(withSale({ state: 'Completed' }, { isOrderSale: false }))).toBe(true);
  });
});
