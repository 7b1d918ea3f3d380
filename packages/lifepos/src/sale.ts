import {
  type Kopecks,
  SALE_PAYMENT_STATUSES,
  SALE_SHIPPING_STATUSES,
  SALE_STATES,
  type SaleCreateInput,
  type SalePaymentStatus,
  type SaleShippingStatus,
  type SaleState,
} from '@connector/domain';
import { z } from 'zod';
import { type MoneyCodec, wireMoneySchema } from './money.js';
import {
  identified,
  isoDate,
  type ListParams,
  listQuery,
  type QueryValue,
  type Reference,
  ref,
  type Timestamps,
  textSchema,
  timestampsShape,
  toReference,
  toTimestamps,
  wireReferenceSchema,
  withoutUndefined,
} from './wire.js';

/**
 * The welcome page names shipping returns `Refunded*`, the API reference `Returned*` (gap G-6): both are
 * read, as the reference's names.
 */
const shippingStatusSchema = z.preprocess(
  (value) =>
    value === 'Refunded' ? 'Returned' : value === 'PartiallyRefunded' ? 'PartiallyReturned' : value,
  z.enum(SALE_SHIPPING_STATUSES),
);

const quantitySchema = z
  .union([z.number(), z.string().trim().min(1)])
  .transform(Number)
  .pipe(z.number());

const wirePositionSchema = z.looseObject({
  guid: z.string().nullish(),
  name: z.string(),
  quantity: quantitySchema,
  sale_price: wireMoneySchema,
  total_sum: wireMoneySchema.nullish(),
  uom: wireReferenceSchema.nullish(),
  tax: z.string().nullish(),
  good_type: z.string().nullish(),
  barcode: z.string().nullish(),
  is_markable: z.boolean().nullish(),
});

// The status fields decide what the connector does to an order, so they are required and must be known
// values: a sale that cannot be read safely fails loudly instead of being mistaken for a `New` one.
export const wireSaleSchema = identified({
  number: textSchema,
  state: z.enum(SALE_STATES),
  payment_status: z.enum(SALE_PAYMENT_STATUSES),
  shipping_status: shippingStatusSchema,
  outlet: wireReferenceSchema.nullish(),
  workplace: wireReferenceSchema.nullish(),
  opened_by: wireReferenceSchema.nullish(),
  opened_at: z.string().nullish(),
  comment: z.string().nullish(),
  total_sum: wireMoneySchema,
  positions: z.array(wirePositionSchema).nullish(),
  custom_properties: z.unknown().optional(),
  ...timestampsShape,
});
export type WireSale = z.infer<typeof wireSaleSchema>;

export interface SalePosition {
  guid: string | null;
  name: string;
  quantity: number;
  /** Unit price. */
  priceKopecks: Kopecks;
  totalKopecks: Kopecks | null;
  uom: Reference | null;
  tax: string | null;
  goodType: string | null;
  barcode: string | null;
  isMarkable: boolean;
}

export interface Sale extends Timestamps {
  guid: string;
  /** Client-supplied number (≤36 chars); the connector puts the RetailCRM order number here. */
  number: string;
  state: SaleState;
  paymentStatus: SalePaymentStatus;
  shippingStatus: SaleShippingStatus;
  outlet: Reference | null;
  workplace: Reference | null;
  openedBy: Reference | null;
  openedAt: string | null;
  comment: string | null;
  totalKopecks: Kopecks;
  positions: SalePosition[];
  /** True when the sale is in the archive (`deleted_at` set). */
  archived: boolean;
}

export function toSale(wire: WireSale, money: MoneyCodec): Sale {
  return {
    guid: wire.guid,
    number: wire.number,
    state: wire.state,
    paymentStatus: wire.payment_status,
    shippingStatus: wire.shipping_status,
    outlet: toReference(wire.outlet),
    workplace: toReference(wire.workplace),
    openedBy: toReference(wire.opened_by),
    openedAt: wire.opened_at ?? null,
    comment: wire.comment ?? null,
    totalKopecks: money.decode(wire.total_sum, 'total_sum'),
    positions: (wire.positions ?? []).map((position, index) => ({
      guid: position.guid ?? null,
      name: position.name,
      quantity: position.quantity,
      priceKopecks: money.decode(position.sale_price, `positions[${index}].sale_price`),
      totalKopecks: position.total_sum
        ? money.decode(position.total_sum, `positions[${index}].total_sum`)
        : null,
      uom: toReference(position.uom),
      tax: position.tax ?? null,
      goodType: position.good_type ?? null,
      barcode: position.barcode ?? null,
      isMarkable: position.is_markable ?? false,
    })),
    ...toTimestamps(wire),
    archived: Boolean(wire.deleted_at),
  };
}

/**
 * The body of POST /orgs/:org/deals/sales (docs/LIFEPOS-API.md, «Sales») for a sale in the domain's input
 * form. Throws RangeError when an amount is not a whole number of kopecks.
 */
export function encodeSaleCreate(input: SaleCreateInput, money: MoneyCodec): Record<string, unknown> {
  return {
    ...input.extra,
    ...withoutUndefined({
      guid: input.guid,
      number: input.number,
      outlet: ref(input.outletGuid),
      workplace: input.workplaceGuid === undefined ? undefined : ref(input.workplaceGuid),
      opened_by: ref(input.openedByGuid),
      opened_at: isoDate(input.openedAt),
      comment: input.comment,
      state: input.state,
      payment_status: input.paymentStatus,
      shipping_status: input.shippingStatus,
      total_sum: money.encode(input.totalKopecks),
      positions: input.positions.map((position) =>
        withoutUndefined({
          name: position.name,
          quantity: position.quantity,
          sale_price: money.encode(position.priceKopecks),
          total_sum: position.totalKopecks === undefined ? undefined : money.encode(position.totalKopecks),
          uom: ref(position.uomGuid),
          tax: position.tax,
          good_type: position.goodType,
          barcode: position.barcode,
          is_markable: position.isMarkable,
          marking_attributes: position.markingAttributes,
        }),
      ),
      meta: input.meta,
      meta_data: input.metaData,
      custom_properties: input.customProperties,
    }),
  };
}

export interface SaleListParams extends ListParams {
  state?: SaleState;
  paymentStatus?: SalePaymentStatus;
  shippingStatus?: SaleShippingStatus;
  openedFrom?: Date | string;
  openedTo?: Date | string;
}

/** Filter names follow the field names (gap G-13); dates are ISO-8601. */
export function saleListQuery(params: SaleListParams = {}): Record<string, QueryValue> {
  return {
    ...listQuery(params),
    state: params.state,
    payment_status: params.paymentStatus,
    shipping_status: params.shippingStatus,
    opened_at_from: params.openedFrom,
    opened_at_to: params.openedTo,
  };
}
