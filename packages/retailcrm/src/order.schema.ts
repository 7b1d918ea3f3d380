import { z } from 'zod';
import {
  keyedOrList,
  numeric,
  optionalBoolean,
  optionalNumeric,
  optionalString,
  phpMap,
  phpObject,
} from './php-json-quirks.js';

/**
 * The RetailCRM order as the connector reads it (docs/RETAILCRM-API.md, «Order JSON»). Only what the
 * connector uses is validated; every object is loose, so fields we do not model pass through untouched and
 * new API fields never break decoding. Amounts are rubles, as RetailCRM sends them; convert with
 * `rublesToKopecks` from @connector/domain where kopecks are needed.
 */

/** `Y-m-d H:i:s` in the account's time zone, kept as the API's text. */
const dateTimeText = optionalString;

export const paymentSchema = z.looseObject({
  id: z.number().int(),
  type: optionalString,
  status: optionalString,
  externalId: optionalString,
  amount: numeric.nullish().transform((value) => value ?? 0),
  paidAt: dateTimeText,
  comment: optionalString,
});

/** `payments`: keyed by payment id in GET/list (`{}` or `[]` when empty), an array in other answers. */
export const paymentsSchema = keyedOrList(paymentSchema);

/** `customFields`: `{code: value}`, or `[]` when the order has none. */
export const customFieldsSchema = phpMap(z.unknown());

const offerSchema = z.looseObject({
  id: z.number().int().optional(),
  externalId: optionalString,
  xmlId: optionalString,
  name: optionalString,
  displayName: optionalString,
  article: optionalString,
  barcode: optionalString,
  vatRate: optionalString,
  unit: z.looseObject({ code: optionalString, name: optionalString, sym: optionalString }).optional(),
});

/** `vatRate` is a string (`"none"`, `"20.00"`), though numbers have been seen from older accounts. */
const vatRate = z
  .union([z.string(), z.number().transform(String)])
  .nullish()
  .transform((value) => value ?? undefined);

export const orderItemSchema = z.looseObject({
  id: z.number().int(),
  externalIds: z.array(z.looseObject({ code: z.string(), value: z.string() })).default([]),
  offer: offerSchema.optional(),
  productName: optionalString,
  /** Unit price before discounts. */
  initialPrice: numeric.nullish().transform((value) => value ?? 0),
  /** Total discount per unit. */
  discountTotal: numeric.nullish().transform((value) => value ?? 0),
  /** Final unit price groups. */
  prices: z.array(z.looseObject({ price: numeric, quantity: numeric })).default([]),
  vatRate,
  quantity: numeric,
  status: optionalString,
  comment: optionalString,
  purchasePrice: optionalNumeric,
  properties: phpMap(z.unknown()),
});

const deliveryAddressSchema = phpObject({
  index: optionalString,
  countryIso: optionalString,
  region: optionalString,
  city: optionalString,
  street: optionalString,
  building: optionalString,
  house: optionalString,
  flat: optionalString,
  notes: optionalString,
  /** Free-text address as shown in the CRM. */
  text: optionalString,
});

/**
 * Integration data of the delivery; for courier deliveries it carries the courier (docs/RETAILCRM-API.md,
 * «Courier of an order»).
 */
const deliveryDataSchema = phpObject({
  courierId: optionalNumeric,
  id: optionalNumeric,
  firstName: optionalString,
  lastName: optionalString,
  patronymic: optionalString,
  phone: z.looseObject({ number: optionalString }).nullish(),
  trackNumber: optionalString,
  status: optionalString,
});

export const orderDeliverySchema = phpObject({
  code: optionalString,
  integrationCode: optionalString,
  cost: optionalNumeric,
  netCost: optionalNumeric,
  vatRate,
  /** `Y-m-d`. */
  date: optionalString,
  /** `{from: "HH:MM", to: "HH:MM", custom}`. */
  time: phpObject({ from: optionalString, to: optionalString, custom: optionalString }).optional(),
  address: deliveryAddressSchema.optional(),
  service: z.looseObject({ code: optionalString, name: optionalString }).nullish(),
  data: deliveryDataSchema.optional(),
});

export const orderCustomerSchema = z.looseObject({
  type: optionalString,
  id: z.number().int().optional(),
  externalId: optionalString,
  site: optionalString,
  firstName: optionalString,
  lastName: optionalString,
  email: optionalString,
  phones: z.array(z.looseObject({ number: optionalString })).default([]),
});

export const orderSchema = z.looseObject({
  id: z.number().int(),
  number: z.union([z.string(), z.number().transform(String)]),
  externalId: optionalString,
  site: z.string(),
  status: z.string(),
  statusComment: optionalString,
  statusUpdatedAt: dateTimeText,
  createdAt: dateTimeText,
  orderType: optionalString,
  orderMethod: optionalString,
  firstName: optionalString,
  lastName: optionalString,
  patronymic: optionalString,
  phone: optionalString,
  email: optionalString,
  customerComment: optionalString,
  managerComment: optionalString,
  managerId: optionalNumeric,
  customer: orderCustomerSchema.optional(),
  items: z.array(orderItemSchema).default([]),
  delivery: orderDeliverySchema.optional(),
  payments: paymentsSchema,
  shipmentStore: optionalString,
  shipped: optionalBoolean,
  /** Items total after item discounts. */
  summ: numeric.nullish().transform((value) => value ?? 0),
  /** `summ` + delivery − order discounts: what the customer pays. */
  totalSumm: numeric.nullish().transform((value) => value ?? 0),
  prepaySum: optionalNumeric,
  fullPaidAt: dateTimeText,
  customFields: customFieldsSchema,
});

export type RetailCrmOrder = z.output<typeof orderSchema>;
export type RetailCrmOrderItem = z.output<typeof orderItemSchema>;
export type RetailCrmOrderDelivery = z.output<typeof orderDeliverySchema>;
export type RetailCrmPayment = z.output<typeof paymentSchema>;

/** One row of `GET /orders/statuses`. */
export const orderStatusSchema = z.looseObject({
  id: z.number().int(),
  externalId: optionalString,
  status: z.string(),
  group: optionalString,
});

export type RetailCrmOrderStatus = z.output<typeof orderStatusSchema>;

/**
 * One `orders/history` entry. `order` is a full snapshot only on creation entries, otherwise a stub
 * (`{id, externalId?, site, status, …}`); the connector re-reads the order when it needs more.
 */
export const historyEntrySchema = z.looseObject({
  id: z.number().int(),
  createdAt: optionalString,
  created: z
    .boolean()
    .nullish()
    .transform((value) => value ?? false),
  deleted: z
    .boolean()
    .nullish()
    .transform((value) => value ?? false),
  source: optionalString,
  user: z.looseObject({ id: z.number().int() }).nullish(),
  /** `current: true` when the change was made with the key that reads the history (our own write). */
  apiKey: z.looseObject({ current: optionalBoolean }).nullish(),
  field: z.string(),
  oldValue: z.unknown(),
  newValue: z.unknown(),
  order: z.looseObject({
    id: z.number().int(),
    externalId: optionalString,
    site: optionalString,
    status: optionalString,
  }),
  item: z.looseObject({ id: z.number().int().optional() }).nullish(),
  payment: z.looseObject({ id: z.number().int(), type: optionalString, status: optionalString }).nullish(),
});

export type RetailCrmHistoryEntry = z.output<typeof historyEntrySchema>;
