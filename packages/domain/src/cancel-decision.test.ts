import { describe, expect, it } from '@jest/globals';
import {
  type CancelDecision,
  type CancelInput,
  decideCancel,
  orderStatusRole,
  paymentsToRefund,
} from './index.js';

const settings = {
  cancelStatuses: ['cancel-other', 'returned'],
  deleteStatuses: ['erroneous-cancel'],
};

type Sale = NonNullable<CancelInput['sale']>;
const sale = (overrides: Partial<Sale> = {}): Sale => ({
  state: 'New',
  paymentStatus: 'NotPaid',
  shippingStatus: 'NotShipped',
  archived: false,
  ...overrides,
});

describe('orderStatusRole', () => {
  it.each([
    ['cancel-other', 'cancel'],
    ['returned', 'cancel'],
    ['erroneous-cancel', 'delete'],
    ['send-to-assembling', 'other'],
  ])('%s → %s', (status, role) => {
    expect(orderStatusRole(status, settings)).toBe(role);
  });

  it('treats a status in both lists as a delete status', () => {
    expect(orderStatusRole('x', { cancelStatuses: ['x'], deleteStatuses: ['x'] })).toBe('delete');
  });
});

describe('paymentsToRefund', () => {
  it('picks the payments in a refund payment status', () => {
    const payments = [
      { id: 1, status: 'paid' },
      { id: 2, status: 'returned' },
      { id: 3, status: undefined },
    ];
    expect(paymentsToRefund(payments, ['returned'])).toEqual([{ id: 2, status: 'returned' }]);
    expect(paymentsToRefund(payments, [])).toEqual([]);
  });
});

describe('decideCancel', () => {
  const cases: Array<[string, string, Sale | null, CancelDecision]> = [
    ['forged closed: order in a non-cancel status', 'send-to-assembling', sale(), 'ignore'],
    ['forged closed with no sale', 'new', null, 'ignore'],
    ['cancel status, no sale', 'cancel-other', null, 'nothing'],
    ['cancel status, New sale', 'cancel-other', sale(), 'cancel'],
    ['«Возвращен», New sale', 'returned', sale(), 'cancel'],
    ['cancel status, sale already cancelled', 'cancel-other', sale({ state: 'Cancelled' }), 'nothing'],
    ['cancel status, archived sale', 'cancel-other', sale({ archived: true }), 'nothing'],
    [
      'cancel status, completed sale',
      'cancel-other',
      sale({ state: 'Completed', paymentStatus: 'Paid', shippingStatus: 'Shipped' }),
      'leave-closed',
    ],
    [
      'cancel status, paid not shipped',
      'cancel-other',
      sale({ state: 'InProgress', paymentStatus: 'Paid' }),
      'leave-closed',
    ],
    [
      'cancel status, paid then refunded in full',
      'returned',
      sale({ state: 'InProgress', paymentStatus: 'Refunded' }),
      'leave-closed',
    ],
    [
      'cancel status, partially paid',
      'cancel-other',
      sale({ state: 'InProgress', paymentStatus: 'PartiallyPaid' }),
      'manual',
    ],
    [
      'cancel status, partially shipped',
      'cancel-other',
      sale({ state: 'InProgress', shippingStatus: 'PartiallyShipped' }),
      'manual',
    ],
    [
      'cancel status, shipped unpaid',
      'cancel-other',
      sale({ state: 'InProgress', shippingStatus: 'Shipped' }),
      'manual',
    ],
    [
      'cancel status, partially refunded',
      'returned',
      sale({ state: 'InProgress', paymentStatus: 'PartiallyRefunded' }),
      'manual',
    ],
    [
      'paid but goods partially returned',
      'returned',
      sale({ state: 'InProgress', paymentStatus: 'Paid', shippingStatus: 'PartiallyReturned' }),
      'manual',
    ],
    ['delete status, New sale', 'erroneous-cancel', sale(), 'archive'],
    ['delete status, cancelled sale', 'erroneous-cancel', sale({ state: 'Cancelled' }), 'archive'],
    ['delete status, archived sale', 'erroneous-cancel', sale({ archived: true }), 'nothing'],
    ['delete status, no sale', 'erroneous-cancel', null, 'nothing'],
    [
      'delete status, completed sale',
      'erroneous-cancel',
      sale({ state: 'Completed', paymentStatus: 'Paid', shippingStatus: 'Shipped' }),
      'leave-closed',
    ],
    [
      'delete status, partially paid',
      'erroneous-cancel',
      sale({ state: 'InProgress', paymentStatus: 'PartiallyPaid' }),
      'manual',
    ],
  ];

  it.each(cases)('%s', (_name, orderStatus, current, expected) => {
    expect(decideCancel({ orderStatus, settings, sale: current })).toBe(expected);
  });
});
