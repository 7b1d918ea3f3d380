import { isSaleAlive, saleMetaFor } from '@connector/domain';
import type { LifePosClient, Sale } from '@connector/lifepos';

/**
 * The LIFE POS sales that may belong to an order, for `currentSaleOf` / `decideExport` (domain) to choose
 * from: the linked sale when it is alive (the usual case: one read), otherwise the linked sale and every
 * sale (archived too) the `meta` search finds — which includes a sale whose link was never written because
 * the process died between create and link, and every earlier export of a re-sent order.
 */
export async function readOrderSales(
  lifepos: LifePosClient,
  orderId: number,
  linkedSaleId: string | null | undefined,
): Promise<Sale[]> {
  const sales: Sale[] = [];
  if (linkedSaleId) {
    // Null when gone from LIFE POS altogether: the order's sales are looked for by meta.
    const linked = await lifepos.sales.find(linkedSaleId);
    if (linked && isSaleAlive(linked)) return [linked];
    if (linked) sales.push(linked);
  }
  for await (const sale of lifepos.sales.iterate({
    query: saleMetaFor(orderId),
    selection: 'all',
    itemsPerPage: 100,
  })) {
    if (!sales.some((known) => known.guid === sale.guid)) sales.push(sale);
  }
  return sales;
}
