import { orderStatusRole, type StatusSettings } from './order-status-role.js';
import type { SaleFacts } from './sale-facts.js';

/**
 * What a `closed` trigger does, decided from the order's current RetailCRM status and the sale's current
 * LIFE POS state (the trigger itself is only a signal):
 * - `ignore`: the order is not in a cancel or delete status (a forged or stale trigger);
 * - `nothing`: there is no living sale to act on (none, already cancelled, already archived);
 * - `cancel`: the sale is `New` → cancelled;
 * - `archive`: the order is in a delete ("erroneous cancel") status → the sale goes to the archive, so that
 *   the order can be sent again with new contents;
 * - `leave-closed`: the sale was closed through LIFE POS (completed, or paid in full) → left alone;
 * - `manual`: money or goods moved only in part → a person has to resolve it.
 */
export type CancelDecision = 'ignore' | 'nothing' | 'cancel' | 'archive' | 'leave-closed' | 'manual';

export interface CancelInput {
  orderStatus: string;
  settings: StatusSettings;
  sale: Pick<SaleFacts, 'state' | 'paymentStatus' | 'shippingStatus' | 'archived'> | null;
}

export function decideCancel({ orderStatus, settings, sale }: CancelInput): CancelDecision {
  const role = orderStatusRole(orderStatus, settings);
  if (role === 'other') return 'ignore';
  if (!sale || sale.archived) return 'nothing';
  if (sale.state === 'Cancelled') return role === 'delete' ? 'archive' : 'nothing';
  if (sale.state === 'New') return role === 'delete' ? 'archive' : 'cancel';
  if (sale.state === 'Completed') return 'leave-closed';
  // InProgress: something moved. Fully paid (or paid and fully given back) is settled at the till; the rest
  // (partly paid, partly refunded, goods handed over unpaid) cannot be undone by the connector.
  const settledPayment = sale.paymentStatus === 'Paid' || sale.paymentStatus === 'Refunded';
  const partialGoods =
    sale.shippingStatus === 'PartiallyShipped' || sale.shippingStatus === 'PartiallyReturned';
  return settledPayment && !partialGoods ? 'leave-closed' : 'manual';
}
