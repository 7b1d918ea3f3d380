import { patchedWritableFields } from './catalog.js';
import { cannotPerform, invalid, LifePosApiError } from './errors.js';
import type { JsonPatchOperation } from './json-patch.js';
import type { SaleRefund } from './model.js';
import type { OperationContext, OrgState } from './organization-state.js';
import { paymentsOf, refundsOf, type SaleOptions } from './sales.js';

/** The payment a refund at the till takes back by default: the latest one with money left. */
export function refundablePayment(state: OrgState, sale: string): string {
  const refunded = (guid: string) =>
    refundsOf(state, sale)
      .filter((refund) => refund.for_payment.guid === guid)
      .reduce((total, refund) => total + refund.total_sum.value, 0);
  const payment = paymentsOf(state, sale)
    .filter((candidate) => candidate.total_sum.value > refunded(candidate.guid))
    .at(-1)?.guid;
  if (payment === undefined) throw cannotPerform(`Sale ${sale} has no payment to refund`);
  return payment;
}

/** `PATCH .../docs/money/refunds/{doc}` (V3): meta and meta_data only; the refund as stored now. */
export function patchRefund(
  state: OrgState,
  sale: string,
  guid: string,
  operations: readonly JsonPatchOperation[],
  ctx: OperationContext,
  options: SaleOptions,
): SaleRefund {
  const refund = state.refunds.get(guid);
  if (!refund || refund.sale.guid !== sale)
    throw new LifePosApiError(404, 'NotFound', `Refund ${guid} is not found`);
  if (refund.deleted_at !== null)
    throw new LifePosApiError(422, 'NotAllowedForArchived', `Refund ${guid} is archived`);
  const fields = patchedWritableFields(refund, operations, ['meta', 'meta_data'], options);
  const meta = fields.meta;
  if (meta !== null && (typeof meta !== 'string' || meta.length > 128))
    throw invalid('meta must be a string of at most 128', 'meta');
  const metaData = fields.meta_data;
  if (metaData !== null && (typeof metaData !== 'object' || Array.isArray(metaData))) {
    throw invalid('meta_data must be an object', 'meta_data');
  }
  const updated: SaleRefund = {
    ...refund,
    meta: meta as string | null,
    meta_data: metaData as Record<string, unknown> | null,
    updated_at: ctx.now(),
  };
  state.refunds.set(guid, updated);
  return updated;
}
