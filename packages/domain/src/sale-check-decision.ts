import type { SaleState } from './lifepos-sale.js';
import type { SaleFacts } from './sale-facts.js';

/**
 * The periodic LIFE POS sales check repairs lost notifications: every sale of the connector updated in
 * its window is a candidate for the write-back. Most of them have nothing to write — above all the sales
 * the export has just created (`New`, `NotPaid`) — and queuing their write-back costs a sale read, a
 * money-document read and an order read each, taken from the same rate limits as the exports and ahead
 * of real notifications. This tells from what the connector already recorded whether the write-back
 * would change anything; when in doubt it says yes.
 */
export interface SaleCheckInput {
  sale: Pick<SaleFacts, 'guid' | 'state' | 'paymentStatus' | 'archived'> & { totalKopecks: number };
  /** The sale is the one its order is linked to (an earlier sale of a re-sent order never moves the order). */
  isOrderSale: boolean;
  /** The connection's `saleStateToStatus`. */
  mapping: Partial<Record<SaleState, string>>;
  /** States of this sale written back before (the order's marks, as the write-back reads them). */
  handledStates: readonly SaleState[];
  /** Payment parts of this sale booked in RetailCRM (their marks and links), and how many are refunded now. */
  booked: { parts: number; kopecks: number; refundedParts: number };
}

/** States recorded as handled even without a mapped status (see `decideSaleStateWriteBack`). */
const TERMINAL: readonly SaleState[] = ['Completed', 'Cancelled'];

function stateSettled({ sale, isOrderSale, mapping, handledStates }: SaleCheckInput): boolean {
  if (sale.archived || !isOrderSale) return true;
  if (handledStates.includes(sale.state)) return true;
  return mapping[sale.state] === undefined && !TERMINAL.includes(sale.state);
}

function paymentsSettled({ sale, booked }: SaleCheckInput): boolean {
  switch (sale.paymentStatus) {
    case 'NotPaid':
      return booked.parts === 0;
    case 'Paid':
      return booked.parts > 0 && booked.refundedParts === 0 && booked.kopecks >= sale.totalKopecks;
    case 'Refunded':
      return booked.parts > 0 && booked.refundedParts === booked.parts;
    default:
      // Partly paid or refunded: the money documents alone tell what is left to write.
      return false;
  }
}

/** Whether the write-back of this sale would change nothing the connector has not already written. */
export function saleWrittenBack(input: SaleCheckInput): boolean {
  return stateSettled(input) && paymentsSettled(input);
}
