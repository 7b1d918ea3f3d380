import type { DealState, PaymentStatus, ShippingStatus } from './model.js';

/**
 * The three status fields of a v6 sale (docs/LIFEPOS-API.md, «Status fields») and how money documents and
 * shipments move them: the derived rules of docs/LIFEPOS-API.md, «Transition rules» (inferred, consistent
 * with the back-office meanings in «Meaning of the states», source K1). Pure functions.
 */

/**
 * docs/LIFEPOS-API.md, «Transition rules»: Σ payments vs `total_sum` → Paid / PartiallyPaid; any refund →
 * (Partially)Refunded.
 */
export function derivePaymentStatus(
  totalKopecks: number,
  paidKopecks: number,
  refundedKopecks: number,
): PaymentStatus {
  if (refundedKopecks > 0) return refundedKopecks >= paidKopecks ? 'Refunded' : 'PartiallyRefunded';
  if (paidKopecks <= 0) return 'NotPaid';
  return paidKopecks >= totalKopecks ? 'Paid' : 'PartiallyPaid';
}

export type ShippingAction = 'ship' | 'ship_partially' | 'return' | 'return_partially';

/** Next `shipping_status` after a courier action, or undefined when the action makes no sense now. */
export function nextShippingStatus(
  current: ShippingStatus,
  action: ShippingAction,
): ShippingStatus | undefined {
  switch (action) {
    case 'ship':
      return current === 'NotShipped' || current === 'PartiallyShipped' ? 'Shipped' : undefined;
    case 'ship_partially':
      return current === 'NotShipped' || current === 'PartiallyShipped' ? 'PartiallyShipped' : undefined;
    case 'return':
      return current === 'Shipped' || current === 'PartiallyShipped' || current === 'PartiallyReturned'
        ? 'Returned'
        : undefined;
    case 'return_partially':
      return current === 'Shipped' || current === 'PartiallyShipped' || current === 'PartiallyReturned'
        ? 'PartiallyReturned'
        : undefined;
  }
}

/**
 * `state` after a movement (docs/LIFEPOS-API.md, «Meaning of the states», «Transition rules»): Cancelled and
 * Completed are final (a refund after completion is a return, it does not reopen the sale); Paid ∧ Shipped
 * completes; any movement leaves New.
 */
export function deriveState(current: DealState, payment: PaymentStatus, shipping: ShippingStatus): DealState {
  if (current === 'Cancelled' || current === 'Completed') return current;
  if (payment === 'Paid' && shipping === 'Shipped') return 'Completed';
  if (payment === 'NotPaid' && shipping === 'NotShipped') return current;
  return 'InProgress';
}

/** docs/LIFEPOS-API.md, «Meaning of the states» [K1]: only a sale in New can be cancelled. */
export function canCancel(state: DealState): boolean {
  return state === 'New';
}

/** G-6: the welcome page's `Refunded*` shipping values are read as the API reference's `Returned*`. */
export function normalizeShippingStatus(value: string): string {
  if (value === 'Refunded') return 'Returned';
  if (value === 'PartiallyRefunded') return 'PartiallyReturned';
  return value;
}
