import type { SaleDraft } from '@connector/domain';
import type { SaleCreateInput } from '@connector/lifepos';

/** The domain's sale body (API field names) in the LIFE POS client's input form, with the client-supplied guid. */
export function saleCreateInput(draft: SaleDraft, guid: string): SaleCreateInput {
  return {
    guid,
    number: draft.number,
    outletGuid: draft.outlet.guid,
    openedByGuid: draft.opened_by.guid,
    ...(draft.workplace ? { workplaceGuid: draft.workplace.guid } : {}),
    openedAt: draft.opened_at,
    comment: draft.comment,
    totalKopecks: draft.total_sum.value,
    positions: draft.positions.map((position) => ({
      name: position.name,
      quantity: position.quantity,
      priceKopecks: position.sale_price.value,
      totalKopecks: position.total_sum.value,
      uomGuid: position.uom.guid,
      tax: position.tax,
      goodType: position.good_type,
    })),
    meta: draft.meta,
    metaData: draft.meta_data,
  };
}
