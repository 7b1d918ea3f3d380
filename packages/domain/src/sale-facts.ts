import type { SalePaymentStatus, SaleShippingStatus, SaleState } from './lifepos-sale.js';

/**
 * What the order decisions need to know about a LIFE POS sale (docs/LIFEPOS-API.md, «Sale status model»). The
 * LIFE POS client's `Sale` satisfies this shape, so handlers pass what they read without copying.
 */

export interface SaleFacts {
  guid: string;
  number: string;
  state: SaleState;
  paymentStatus: SalePaymentStatus;
  shippingStatus: SaleShippingStatus;
  /** In the LIFE POS archive (`deleted_at` set): what the erroneous-cancel path leaves behind. */
  archived: boolean;
  outlet: { guid: string } | null;
  meta: string | null;
}

/**
 * A sale still standing for its order: not archived and not cancelled. A dead sale is what an erroneous
 * cancel (or a cancellation followed by a return to the send status) leaves; the order then needs a new one.
 */
export function isSaleAlive(sale: Pick<SaleFacts, 'archived' | 'state'>): boolean {
  return !sale.archived && sale.state !== 'Cancelled';
}
