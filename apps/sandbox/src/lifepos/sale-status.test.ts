// Section names («…») and gap ids (G-n) in the test names are those of docs/LIFEPOS-API.md.
import { describe, expect, it } from '@jest/globals';
import {
  canCancel,
  derivePaymentStatus,
  deriveState,
  nextShippingStatus,
  normalizeShippingStatus,
} from './sale-status.js';

describe('sale status rules («Transition rules»)', () => {
  it.each([
    [100_00, 0, 0, 'NotPaid'],
    [100_00, 40_00, 0, 'PartiallyPaid'],
    [100_00, 100_00, 0, 'Paid'],
    [100_00, 100_00, 30_00, 'PartiallyRefunded'],
    [100_00, 100_00, 100_00, 'Refunded'],
    [100_00, 40_00, 40_00, 'Refunded'],
  ] as const)('total %i, paid %i, refunded %i → %s', (total, paid, refunded, expected) => {
    expect(derivePaymentStatus(total, paid, refunded)).toBe(expected);
  });

  it.each([
    ['New', 'NotPaid', 'NotShipped', 'New'],
    ['New', 'PartiallyPaid', 'NotShipped', 'InProgress'],
    ['New', 'NotPaid', 'PartiallyShipped', 'InProgress'],
    ['InProgress', 'Paid', 'PartiallyShipped', 'InProgress'],
    ['InProgress', 'Paid', 'Shipped', 'Completed'],
    ['New', 'Paid', 'Shipped', 'Completed'],
    ['Completed', 'Refunded', 'Returned', 'Completed'],
    ['Cancelled', 'NotPaid', 'NotShipped', 'Cancelled'],
  ] as const)('%s with %s / %s → %s', (state, payment, shipping, expected) => {
    expect(deriveState(state, payment, shipping)).toBe(expected);
  });

  it.each([
    ['NotShipped', 'ship', 'Shipped'],
    ['NotShipped', 'ship_partially', 'PartiallyShipped'],
    ['PartiallyShipped', 'ship', 'Shipped'],
    ['Shipped', 'ship', undefined],
    ['NotShipped', 'return', undefined],
    ['Shipped', 'return_partially', 'PartiallyReturned'],
    ['PartiallyReturned', 'return', 'Returned'],
  ] as const)('shipping %s + %s → %s', (current, action, expected) => {
    expect(nextShippingStatus(current, action)).toBe(expected);
  });

  it('cancels only from New («Meaning of the states»)', () => {
    expect(canCancel('New')).toBe(true);
    expect(canCancel('InProgress')).toBe(false);
    expect(canCancel('Completed')).toBe(false);
    expect(canCancel('Cancelled')).toBe(false);
  });

  it('reads the welcome page shipping values as the API reference ones (G-6)', () => {
    expect(normalizeShippingStatus('Refunded')).toBe('Returned');
    expect(normalizeShippingStatus('PartiallyRefunded')).toBe('PartiallyReturned');
    expect(normalizeShippingStatus('Shipped')).toBe('Shipped');
  });
});
