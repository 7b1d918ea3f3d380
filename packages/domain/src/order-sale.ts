import { type OrderInput, saleMetaFor, saleNumberFor } from './order-to-sale.js';
import { isSaleAlive, type SaleFacts } from './sale-facts.js';

/**
 * Which LIFE POS sales belong to a RetailCRM order, and which of them is the order's sale now. Handlers
 * read the candidates from LIFE POS (the linked sale, and a `meta` search that also finds a sale whose link
 * was never written because the process died between create and link); these functions choose.
 */

type OrderRef = Pick<OrderInput, 'id' | 'number'>;

const SUFFIX = /-(\d+)$/;

/**
 * The export attempt a sale number stands for: `7141C` → 1, `7141C-3` → 3. Orders whose number did not fit
 * are numbered by id (see `saleNumberFor`), so both bases are recognised; anything else counts as 1.
 */
export function exportAttemptOf(order: OrderRef, saleNumber: string): number {
  const match = SUFFIX.exec(saleNumber);
  if (!match?.[1]) return 1;
  const base = saleNumber.slice(0, match.index);
  if (![order.number.trim(), String(order.id)].includes(base)) return 1;
  // A RetailCRM number that itself ends in `-N` is the first attempt, not the N-th.
  if (saleNumber === firstNumber(order)) return 1;
  return Number(match[1]);
}

function firstNumber(order: OrderRef): string | undefined {
  try {
    return saleNumberFor(order, 1);
  } catch {
    return undefined;
  }
}

/** Sales of this order: linked by id, or carrying exactly its `meta` (the search is free text: `…:12` finds `…:123`). */
export function salesOfOrder<S extends SaleFacts>(
  order: OrderRef,
  candidates: readonly S[],
  linkedSaleId?: string | null,
): S[] {
  const meta = saleMetaFor(order.id);
  const seen = new Set<string>();
  return candidates.filter((sale) => {
    if (seen.has(sale.guid)) return false;
    seen.add(sale.guid);
    return sale.guid === linkedSaleId || sale.meta === meta;
  });
}

/**
 * The order's sale now: the living one (the linked sale first, else the latest export), else the dead one
 * the link points at, else the latest dead one; undefined when LIFE POS has none.
 */
export function currentSaleOf<S extends SaleFacts>(
  order: OrderRef,
  candidates: readonly S[],
  linkedSaleId?: string | null,
): S | undefined {
  const sales = salesOfOrder(order, candidates, linkedSaleId);
  const latest = (list: S[]) =>
    list.reduce<S | undefined>(
      (best, sale) =>
        best === undefined || exportAttemptOf(order, sale.number) > exportAttemptOf(order, best.number)
          ? sale
          : best,
      undefined,
    );
  const alive = sales.filter(isSaleAlive);
  const dead = sales.filter((sale) => !isSaleAlive(sale));
  return (
    alive.find((sale) => sale.guid === linkedSaleId) ??
    latest(alive) ??
    dead.find((sale) => sale.guid === linkedSaleId) ??
    latest(dead)
  );
}
