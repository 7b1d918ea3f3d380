import type { Kopecks } from '@connector/domain';
import { z } from 'zod';
import { type MoneyCodec, wireMoneySchema } from './money.js';
import {
  identified,
  ref,
  type Timestamps,
  timestampsShape,
  toTimestamps,
  wireReferenceSchema,
  withoutUndefined,
} from './wire.js';

/**
 * Money documents of a sale: payments and refunds (docs/LIFEPOS-API.md, «Money documents», gap G-11). One
 * payment document holds both parts, cash and card, so the connector links RetailCRM payments per (document,
 * part).
 */
export const wireMoneyDocumentSchema = identified({
  type_of: z.string().nullish(),
  sale: wireReferenceSchema.nullish(),
  total_sum: wireMoneySchema,
  sum_by_cash: wireMoneySchema.nullish(),
  sum_by_card: wireMoneySchema.nullish(),
  fiscal_document: wireReferenceSchema.nullish(),
  for_payment: wireReferenceSchema.nullish(),
  ...timestampsShape,
});
export type WireMoneyDocument = z.infer<typeof wireMoneyDocumentSchema>;

export interface MoneyDocument extends Timestamps {
  guid: string;
  /** `SalePayment` / `SaleRefund` where the API says so. */
  typeOf: string | null;
  saleGuid: string | null;
  totalKopecks: Kopecks;
  /** A part the document does not carry counts as 0. */
  cashKopecks: Kopecks;
  cardKopecks: Kopecks;
  fiscalDocumentGuid: string | null;
  archived: boolean;
}

export type Payment = MoneyDocument;

export interface Refund extends MoneyDocument {
  /** The payment this refund returns money of. */
  forPaymentGuid: string | null;
}

export function toPayment(wire: WireMoneyDocument, money: MoneyCodec): Payment {
  return {
    guid: wire.guid,
    typeOf: wire.type_of ?? null,
    saleGuid: wire.sale?.guid ?? null,
    totalKopecks: money.decode(wire.total_sum, 'total_sum'),
    cashKopecks: wire.sum_by_cash ? money.decode(wire.sum_by_cash, 'sum_by_cash') : (0 as Kopecks),
    cardKopecks: wire.sum_by_card ? money.decode(wire.sum_by_card, 'sum_by_card') : (0 as Kopecks),
    fiscalDocumentGuid: wire.fiscal_document?.guid ?? null,
    ...toTimestamps(wire),
    archived: Boolean(wire.deleted_at),
  };
}

export function toRefund(wire: WireMoneyDocument, money: MoneyCodec): Refund {
  return { ...toPayment(wire, money), forPaymentGuid: wire.for_payment?.guid ?? null };
}

/** A refund of (part of) one payment; total = cash + card. */
export interface RefundCreateInput {
  paymentGuid: string;
  cashKopecks: number;
  cardKopecks: number;
  /** Client-supplied guid for idempotent retries (a repeat answers 422 `Duplicate`). */
  guid?: string;
  meta?: string;
  metaData?: Record<string, unknown>;
}

/** Throws RangeError when an amount is not a whole number of kopecks or is negative. */
export function encodeRefundCreate(input: RefundCreateInput, money: MoneyCodec): Record<string, unknown> {
  if (input.cashKopecks < 0 || input.cardKopecks < 0)
    throw new RangeError('refund parts must not be negative');
  return withoutUndefined({
    guid: input.guid,
    for_payment: ref(input.paymentGuid),
    total_sum: money.encode(input.cashKopecks + input.cardKopecks),
    sum_by_cash: money.encode(input.cashKopecks),
    sum_by_card: money.encode(input.cardKopecks),
    meta: input.meta,
    meta_data: input.metaData,
  });
}
