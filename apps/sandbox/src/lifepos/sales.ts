import type { z } from 'zod';
import { patchedWritableFields, type WriteOptions } from './catalog.js';
import { archived, cannotPerform, invalid, LifePosApiError, notFound, referenceNotFound } from './errors.js';
import type { JsonPatchOperation } from './json-patch.js';
import type { ListSpec } from './listing.js';
import {
  DEAL_STATES,
  type MoneyDocument,
  money,
  PAYMENT_STATUSES,
  type Reference,
  ref,
  type Sale,
  type SalePayment,
  type SalePosition,
  type SaleRefund,
  SHIPPING_STATUSES,
} from './model.js';
import {
  newGuid,
  type OperationContext,
  type OrgState,
  resolveReference,
  tail,
} from './organization-state.js';
import {
  canCancel,
  derivePaymentStatus,
  deriveState,
  nextShippingStatus,
  type ShippingAction,
} from './sale-status.js';
import { parseInput, refundInput, saleInput } from './validation.js';

/**
 * Sales (docs/LIFEPOS-API.md, «Sales») and their money documents («Money documents», G-11), with the status
 * rules of «Transition rules» and the idempotency errors of G-5: a repeated client `guid` → 422 Duplicate, a
 * repeated `number` → 422 NotUnique.
 */

/** docs/LIFEPOS-API.md, gap G-5 (inferred): whether an archived sale still holds its `number` (configurable; default: it does not). */
export type NumberUniqueness = 'alive' | 'all';

export interface SaleOptions extends WriteOptions {
  numberUniqueness: NumberUniqueness;
}

export const SALE_LIST: ListSpec<Sale> = {
  searchFields: ['number', 'comment', 'custom_properties', 'deal_permissions', 'meta', 'meta_data'],
  orderFields: ['created_at', 'updated_at', 'opened_at', 'number'],
  dateFields: ['opened_at'],
  enumFilters: { state: DEAL_STATES, payment_status: PAYMENT_STATUSES, shipping_status: SHIPPING_STATUSES },
};

export const MONEY_DOCUMENT_LIST: ListSpec<MoneyDocument> = {
  searchFields: ['meta', 'meta_data'],
  orderFields: ['created_at', 'updated_at', 'processed_at'],
};

/** Fields a sale JSON Patch may touch; `payment_status` / `shipping_status` follow documents and shipments. */
const SALE_WRITABLE = [
  'number',
  'outlet',
  'workplace',
  'opened_by',
  'opened_at',
  'comment',
  'state',
  'payment_status',
  'shipping_status',
  'total_sum',
  'positions',
  'custom_properties',
  'deal_permissions',
  'meta',
  'meta_data',
] as const;

export function findSale(org: OrgState, guid: string): Sale {
  const sale = org.sales.get(guid);
  if (!sale) throw notFound(`Sale ${guid}`);
  return sale;
}

function aliveSale(org: OrgState, guid: string): Sale {
  const sale = findSale(org, guid);
  if (sale.deleted_at !== null) throw archived(`Sale ${guid}`);
  return sale;
}

function assertNumberFree(
  org: OrgState,
  number: string,
  self: string | undefined,
  options: SaleOptions,
): void {
  for (const other of org.sales.values()) {
    if (other.guid === self || other.number !== number) continue;
    if (options.numberUniqueness === 'alive' && other.deleted_at !== null) continue;
    throw new LifePosApiError(422, 'NotUnique', `Sale number '${number}' is already used`, 'number');
  }
}

type SaleInput = z.output<ReturnType<typeof saleInput>>;

function buildPositions(org: OrgState, input: SaleInput): SalePosition[] | null {
  if (!input.positions) return null;
  return input.positions.map((position, index) => {
    if (!(position.quantity > 0)) {
      throw new LifePosApiError(
        422,
        'DealPositionHasInvalidQuantity',
        `positions.${index}.quantity must be greater than zero`,
        `positions.${index}.quantity`,
      );
    }
    if (position.is_markable && !position.barcode) {
      throw invalid(
        `positions.${index}.barcode is required for a markable position`,
        `positions.${index}.barcode`,
      );
    }
    return {
      guid: position.guid ?? newGuid(),
      type_of: 'SalePosition',
      good_type: position.good_type,
      name: position.name,
      uom: resolveReference(org, `positions.${index}.uom`, 'Uom', position.uom),
      tax: position.tax,
      sale_price: money(position.sale_price.value, position.sale_price.currency),
      quantity: position.quantity,
      total_sum: position.total_sum
        ? money(position.total_sum.value, position.total_sum.currency)
        : money(Math.round(position.sale_price.value * position.quantity), position.sale_price.currency),
      origin_country: position.origin_country ?? null,
      is_markable: position.is_markable,
      barcode: position.barcode ?? null,
      marking_attributes: position.marking_attributes ?? null,
    };
  });
}

function buildSale(org: OrgState, input: SaleInput, ctx: OperationContext, existing?: Sale): Sale {
  return {
    ...(existing ?? tail('Sale', ctx.now(), input)),
    type_of: 'Sale',
    meta: input.meta ?? null,
    meta_data: input.meta_data ?? null,
    number: input.number,
    outlet: resolveReference(org, 'outlet', 'Outlet', input.outlet),
    workplace: input.workplace ? resolveReference(org, 'workplace', 'Workplace', input.workplace) : null,
    opened_by: resolveReference(org, 'opened_by', 'Employee', input.opened_by),
    opened_at: input.opened_at,
    comment: input.comment ?? null,
    state: input.state ?? existing?.state ?? 'New',
    payment_status: input.payment_status ?? existing?.payment_status ?? 'NotPaid',
    shipping_status:
      (input.shipping_status as Sale['shipping_status'] | undefined) ??
      existing?.shipping_status ??
      'NotShipped',
    total_sum: money(input.total_sum.value, input.total_sum.currency),
    positions: buildPositions(org, input),
    custom_properties: input.custom_properties ?? null,
    deal_permissions: input.deal_permissions ?? null,
    organization: ref(org.organization),
  };
}

export function createSale(org: OrgState, body: unknown, ctx: OperationContext, options: SaleOptions): Sale {
  const input = parseInput(saleInput(ctx.taxes), body, 'Sale');
  if (input.guid !== undefined && org.sales.has(input.guid)) {
    throw new LifePosApiError(422, 'Duplicate', `Sale ${input.guid} already exists`, 'guid');
  }
  assertNumberFree(org, input.number, undefined, options);
  const sale = buildSale(org, input, ctx);
  org.sales.set(sale.guid, sale);
  return sale;
}

function documentsOf<T extends MoneyDocument>(documents: Map<string, T>, sale: string): T[] {
  return [...documents.values()].filter(
    (document) => document.sale.guid === sale && document.deleted_at === null,
  );
}

export function paymentsOf(org: OrgState, sale: string): SalePayment[] {
  return documentsOf(org.payments, sale);
}

export function refundsOf(org: OrgState, sale: string): SaleRefund[] {
  return documentsOf(org.refunds, sale);
}

const sum = (documents: readonly MoneyDocument[], part: 'total_sum' | 'sum_by_cash' | 'sum_by_card') =>
  documents.reduce((total, document) => total + document[part].value, 0);

/**
 * docs/LIFEPOS-API.md, «Transition rules»: payment_status from the documents, then state from both status
 * fields.
 */
function settle(org: OrgState, sale: Sale, ctx: OperationContext, changes: Partial<Sale> = {}): Sale {
  const next = { ...sale, ...changes };
  const paid = sum(paymentsOf(org, sale.guid), 'total_sum');
  const refunded = sum(refundsOf(org, sale.guid), 'total_sum');
  next.payment_status = derivePaymentStatus(next.total_sum.value, paid, refunded);
  next.state = deriveState(next.state, next.payment_status, next.shipping_status);
  next.updated_at = ctx.now();
  org.sales.set(sale.guid, next);
  return next;
}

export function patchSale(
  org: OrgState,
  guid: string,
  operations: readonly JsonPatchOperation[],
  ctx: OperationContext,
  options: SaleOptions,
): Sale {
  const existing = aliveSale(org, guid);
  const fields = patchedWritableFields(existing, operations, SALE_WRITABLE, options);
  for (const derived of ['payment_status', 'shipping_status'] as const) {
    if (fields[derived] !== existing[derived]) {
      throw new LifePosApiError(
        422,
        'NotAllowed',
        `${derived} follows the money documents and shipments`,
        derived,
      );
    }
  }
  const input = parseInput(saleInput(ctx.taxes), fields, 'Sale');
  if (input.state !== undefined && input.state !== existing.state) {
    if (input.state !== 'Cancelled') throw cannotPerform(`state cannot be set to ${input.state}`);
    if (!canCancel(existing.state))
      throw cannotPerform(`A sale in state ${existing.state} cannot be cancelled`);
  }
  const contentsChanged =
    JSON.stringify(fields.positions) !== JSON.stringify(existing.positions) ||
    JSON.stringify(fields.total_sum) !== JSON.stringify(existing.total_sum);
  if (contentsChanged && existing.state !== 'New') {
    throw cannotPerform(`Positions and total of a sale in state ${existing.state} cannot be changed`);
  }
  if (input.number !== existing.number) assertNumberFree(org, input.number, guid, options);
  const updated = { ...buildSale(org, input, ctx, existing), updated_at: ctx.now() };
  org.sales.set(guid, updated);
  return updated;
}

export function archiveSale(org: OrgState, guid: string, ctx: OperationContext): Sale {
  const existing = aliveSale(org, guid);
  const now = ctx.now();
  const updated = { ...existing, deleted_at: now, updated_at: now };
  org.sales.set(guid, updated);
  return updated;
}

export function cancelSale(org: OrgState, guid: string, ctx: OperationContext): Sale {
  const sale = aliveSale(org, guid);
  if (!canCancel(sale.state)) throw cannotPerform(`A sale in state ${sale.state} cannot be cancelled`);
  return settle(org, sale, ctx, { state: 'Cancelled' });
}

export interface PaymentInput {
  /** Cash part, kopecks. */
  cash?: number;
  /** Card part, kopecks. */
  card?: number;
  employee?: string;
  workplace?: string;
}

function assertKopecks(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0)
    throw invalid(`${name} must be a non-negative integer of kopecks`, name);
}

function assertOpen(sale: Sale): void {
  if (sale.state === 'Cancelled' || sale.state === 'Completed') {
    throw cannotPerform(`Sale ${sale.guid} is ${sale.state}`);
  }
}

/**
 * A cashier / courier takes a payment: one document with its cash and card parts (docs/LIFEPOS-API.md,
 * «Money documents»).
 */
export function takePayment(
  org: OrgState,
  saleGuid: string,
  input: PaymentInput,
  ctx: OperationContext,
): { payment: SalePayment; sale: Sale } {
  const sale = aliveSale(org, saleGuid);
  assertOpen(sale);
  const cash = input.cash ?? 0;
  const card = input.card ?? 0;
  assertKopecks('cash', cash);
  assertKopecks('card', card);
  if (cash + card === 0) throw invalid('A payment needs a cash or card amount', 'cash');
  const net = sum(paymentsOf(org, saleGuid), 'total_sum') - sum(refundsOf(org, saleGuid), 'total_sum');
  if (net + cash + card > sale.total_sum.value) {
    throw cannotPerform(
      `Payment of ${cash + card} exceeds the unpaid ${sale.total_sum.value - net} of the sale`,
    );
  }
  const employee = resolveReference(org, 'employee', 'Employee', {
    guid: input.employee ?? sale.opened_by.guid,
  });
  const workplaceGuid = input.workplace ?? sale.workplace?.guid;
  const now = ctx.now();
  const currency = sale.total_sum.currency;
  const payment: SalePayment = {
    ...tail('SalePayment', now, {}),
    type_of: 'SalePayment',
    sale: ref(sale),
    total_sum: money(cash + card, currency),
    sum_by_cash: money(cash, currency),
    sum_by_card: money(card, currency),
    fiscal_document: { guid: newGuid(), type_of: 'FiscalDocumentReceipt' },
    employee,
    workplace: workplaceGuid
      ? resolveReference(org, 'workplace', 'Workplace', { guid: workplaceGuid })
      : null,
    processed_at: now,
    organization: ref(org.organization),
  };
  org.payments.set(payment.guid, payment);
  return { payment, sale: settle(org, sale, ctx) };
}

export function moveGoods(
  org: OrgState,
  saleGuid: string,
  action: ShippingAction,
  ctx: OperationContext,
): Sale {
  const sale = aliveSale(org, saleGuid);
  if (sale.state === 'Cancelled') throw cannotPerform(`Sale ${sale.guid} is Cancelled`);
  const next = nextShippingStatus(sale.shipping_status, action);
  if (!next) throw cannotPerform(`Cannot ${action.replace('_', ' ')} a sale that is ${sale.shipping_status}`);
  return settle(org, sale, ctx, { shipping_status: next });
}

/** The courier closes the sale: it must be fully paid; anything not shipped yet is handed over. */
export function completeSale(org: OrgState, saleGuid: string, ctx: OperationContext): Sale {
  const sale = aliveSale(org, saleGuid);
  assertOpen(sale);
  if (sale.payment_status !== 'Paid')
    throw cannotPerform(`Sale ${sale.guid} is ${sale.payment_status}, not Paid`);
  return settle(org, sale, ctx, { shipping_status: 'Shipped', state: 'Completed' });
}

export function findDocument(
  org: OrgState,
  sale: string,
  kind: 'payments' | 'refunds',
  guid: string,
): MoneyDocument {
  findSale(org, sale);
  const document = (kind === 'payments' ? org.payments : org.refunds).get(guid);
  // GET returns archived documents too (V4).
  if (!document || document.sale.guid !== sale) throw notFound(`Money document ${guid}`);
  return document;
}

export function documentsOfSale(org: OrgState, sale: string, kind?: 'payments' | 'refunds'): MoneyDocument[] {
  findSale(org, sale);
  const all = [
    ...(kind === 'refunds' ? [] : org.payments.values()),
    ...(kind === 'payments' ? [] : org.refunds.values()),
  ];
  return all.filter((document) => document.sale.guid === sale);
}

/**
 * A refund document for a payment (V2, docs/LIFEPOS-API.md, «Money documents»): `for_payment` is required;
 * without amounts the rest of the payment is refunded; a bare `total_sum` is taken from the cash part first,
 * then the card part.
 */
export function createRefund(
  org: OrgState,
  saleGuid: string,
  body: unknown,
  ctx: OperationContext,
  actor?: Reference,
): { refund: SaleRefund; sale: Sale } {
  const input = parseInput(refundInput, body, 'Refund');
  const sale = aliveSale(org, saleGuid);
  if (input.guid !== undefined && org.refunds.has(input.guid)) {
    throw new LifePosApiError(422, 'Duplicate', `Refund ${input.guid} already exists`, 'guid');
  }
  const payment = org.payments.get(input.for_payment.guid);
  if (!payment || payment.sale.guid !== sale.guid || payment.deleted_at !== null) {
    throw referenceNotFound('for_payment', input.for_payment.guid);
  }
  const earlier = refundsOf(org, saleGuid).filter((refund) => refund.for_payment.guid === payment.guid);
  const cashLeft = payment.sum_by_cash.value - sum(earlier, 'sum_by_cash');
  const cardLeft = payment.sum_by_card.value - sum(earlier, 'sum_by_card');
  if (cashLeft + cardLeft <= 0) throw cannotPerform(`Payment ${payment.guid} is already refunded`);

  let cash: number;
  let card: number;
  if (input.sum_by_cash !== undefined || input.sum_by_card !== undefined) {
    cash = input.sum_by_cash?.value ?? 0;
    card = input.sum_by_card?.value ?? 0;
    if (input.total_sum !== undefined && input.total_sum.value !== cash + card) {
      throw invalid('total_sum must equal sum_by_cash + sum_by_card', 'total_sum');
    }
  } else if (input.total_sum !== undefined) {
    cash = Math.min(input.total_sum.value, cashLeft);
    card = input.total_sum.value - cash;
  } else {
    cash = cashLeft;
    card = cardLeft;
  }
  if (cash + card === 0) throw invalid('A refund needs a non-zero amount', 'total_sum');
  if (cash > cashLeft || card > cardLeft) {
    throw cannotPerform(
      `Refund exceeds what is left of payment ${payment.guid} (cash ${cashLeft}, card ${cardLeft} kopecks)`,
    );
  }
  const now = ctx.now();
  const currency = payment.total_sum.currency;
  const refund: SaleRefund = {
    ...tail('SaleRefund', now, input),
    type_of: 'SaleRefund',
    sale: ref(sale),
    for_payment: ref(payment),
    total_sum: money(cash + card, currency),
    sum_by_cash: money(cash, currency),
    sum_by_card: money(card, currency),
    fiscal_document: { guid: newGuid(), type_of: 'FiscalDocumentReceipt' },
    employee: actor ?? payment.employee,
    workplace: payment.workplace,
    processed_at: now,
    organization: ref(org.organization),
  };
  org.refunds.set(refund.guid, refund);
  return { refund, sale: settle(org, sale, ctx) };
}
