import type { SaleState } from './lifepos-sale.js';
import { orderStatusRole, type StatusSettings } from './order-status-role.js';
import { saleMetaFor } from './order-to-sale.js';
import type { SaleFacts } from './sale-facts.js';

/**
 * LIFE POS sale state → RetailCRM order status (docs/LIFEPOS-API.md, «Sale status model»), through the
 * connection's `saleStateToStatus` map: `Completed` → e.g. `complete`, `Cancelled` → e.g. `cancel-other`,
 * unmapped → nothing.
 */

export interface SaleStateWriteBackInput {
  sale: Pick<SaleFacts, 'state' | 'archived'>;
  mapping: Partial<Record<SaleState, string>>;
  /** The RetailCRM order's status now. */
  orderStatus: string | null | undefined;
  /** The connection's cancel and delete statuses. */
  statusSettings: StatusSettings;
  /**
   * The sale is the one the order is linked to. An earlier sale of a re-sent order (cancelled, archived) must
   * not move the order, whose current sale is another one.
   */
  isOrderSale: boolean;
  /** States of this sale already written back (the order's `sale_state_written` marks). */
  handledStates: readonly SaleState[];
}

export type SaleStateOutcome =
  /** The order gets `status`. */
  | 'set'
  /**
   * The order already has the mapped status — or, for a cancelled sale, any cancel or delete status (the
   * usual way there: a manager cancelled the order and the cancel worker the sale; the manager's reason
   * stays). Nothing to write; the state counts as handled.
   */
  | 'already-set'
  /** No status for this state; a terminal state is still noted in the timeline. */
  | 'unmapped'
  /** Written back before: the order's status since then is a person's decision, not to be undone. */
  | 'already-handled'
  | 'not-order-sale'
  | 'archived';

export interface SaleStateWriteBack {
  outcome: SaleStateOutcome;
  /** The status to set (outcome `set`), or the one the order has (`already-set`). */
  status: string | undefined;
  /** Record the state as handled now (its mark, so it is handled only once, and a timeline line). */
  record: boolean;
}

/** States worth a timeline line even when no status is mapped to them: the sale's end. */
const TERMINAL: readonly SaleState[] = ['Completed', 'Cancelled'];

/**
 * Each state of the order's sale is written back once: re-reading the sale after a duplicated or late
 * notification finds the state handled and changes nothing, and a status a manager set after the
 * write-back (e.g. «Возвращен» after a completed sale was refunded) is never overwritten.
 */
export function decideSaleStateWriteBack(input: SaleStateWriteBackInput): SaleStateWriteBack {
  const { sale, mapping, orderStatus, statusSettings, isOrderSale, handledStates } = input;
  if (sale.archived) return { outcome: 'archived', status: undefined, record: false };
  if (!isOrderSale) return { outcome: 'not-order-sale', status: undefined, record: false };
  const status = mapping[sale.state];
  if (handledStates.includes(sale.state)) return { outcome: 'already-handled', status, record: false };
  if (status === undefined) {
    return { outcome: 'unmapped', status: undefined, record: TERMINAL.includes(sale.state) };
  }
  if (status === orderStatus) return { outcome: 'already-set', status, record: true };
  const cancelledAlready =
    sale.state === 'Cancelled' &&
    typeof orderStatus === 'string' &&
    orderStatusRole(orderStatus, statusSettings) !== 'other';
  if (cancelledAlready) return { outcome: 'already-set', status: orderStatus, record: true };
  return { outcome: 'set', status, record: true };
}

/** The RetailCRM order id of a sale the connector made (its `meta`, see `saleMetaFor`); undefined otherwise. */
export function orderIdOfSaleMeta(meta: string | null | undefined): number | undefined {
  const match = /^retailcrm-order:([1-9]\d{0,15})$/.exec(meta ?? '');
  if (!match?.[1]) return undefined;
  const orderId = Number(match[1]);
  return Number.isSafeInteger(orderId) && saleMetaFor(orderId) === meta ? orderId : undefined;
}
