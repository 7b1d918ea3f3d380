import { currentSaleOf, exportAttemptOf, salesOfOrder } from './order-sale.js';
import type { OrderInput } from './order-to-sale.js';
import { isSaleAlive, type SaleFacts } from './sale-facts.js';

/**
 * What the export worker does with an order that is to be in LIFE POS, given the sales LIFE POS already
 * holds for it (the linked one and those found by `meta`) and the outlet its shop maps to. The seed allows
 * one change after export — the shop — so a living sale is either kept or moved, never rewritten.
 */
export type ExportDecision =
  | { action: 'keep'; sale: SaleFacts }
  | { action: 'move'; sale: SaleFacts; fromOutletId: string | null; toOutletId: string }
  | {
      action: 'create';
      /** 1 for the first export; 2, 3, … for re-exports (sale number suffix `-2`, `-3`). */
      attempt: number;
      /** The dead sale (archived / cancelled) the new one replaces, if any. */
      replaces: SaleFacts | undefined;
    };

export interface ExportInput {
  order: Pick<OrderInput, 'id' | 'number'>;
  /** Sales LIFE POS returned for the order: the linked one and the results of the `meta` search. */
  sales: readonly SaleFacts[];
  /** The sale the order link points at, if any. */
  linkedSaleId?: string | null | undefined;
  targetOutletId: string;
}

export function decideExport({ order, sales, linkedSaleId, targetOutletId }: ExportInput): ExportDecision {
  const current = currentSaleOf(order, sales, linkedSaleId);
  if (current && isSaleAlive(current)) {
    const fromOutletId = current.outlet?.guid ?? null;
    return fromOutletId === targetOutletId
      ? { action: 'keep', sale: current }
      : { action: 'move', sale: current, fromOutletId, toOutletId: targetOutletId };
  }
  // Past every earlier export, so the new sale's number differs from each dead sale's.
  const attempt = salesOfOrder(order, sales, linkedSaleId).reduce(
    (next, sale) => Math.max(next, exportAttemptOf(order, sale.number) + 1),
    1,
  );
  return { action: 'create', attempt, replaces: current };
}
