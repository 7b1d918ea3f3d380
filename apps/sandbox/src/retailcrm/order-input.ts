import { z } from 'zod';
import type { ApiErrorDetails } from './api-error.js';

/**
 * The JSON-string fields `order`, `payment` and `task` as RetailCRM reads them (docs/RETAILCRM-API.md,
 * «Order edit», «Payments», «Tasks»). PHP/Symfony forms take numeric strings for numbers and 0/1 for
 * booleans, so these do too; unknown fields are ignored rather than rejected.
 */
const num = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);
const int = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);
const bool = z.union([z.boolean(), z.literal(0).transform(() => false), z.literal(1).transform(() => true)]);
const str = z.union([z.string(), z.number().transform(String)]);

const externalIdsSchema = z.array(z.object({ code: z.string(), value: str }));

export const itemInputSchema = z.looseObject({
  id: int.optional(),
  externalIds: externalIdsSchema.optional(),
  offer: z
    .looseObject({
      id: int.optional(),
      externalId: str.optional(),
      xmlId: str.optional(),
      article: str.optional(),
    })
    .optional(),
  productName: z.string().optional(),
  initialPrice: num.optional(),
  quantity: num.optional(),
  discountManualAmount: num.optional(),
  discountManualPercent: num.optional(),
  vatRate: str.optional(),
  status: z.string().optional(),
  comment: z.string().optional(),
  purchasePrice: num.optional(),
  properties: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  priceType: z.object({ code: z.string() }).optional(),
});
export type ItemInput = z.output<typeof itemInputSchema>;

const deliveryInputSchema = z.looseObject({
  code: z.string().nullable().optional(),
  cost: num.optional(),
  netCost: num.optional(),
  vatRate: str.optional(),
  date: z.string().nullable().optional(),
  time: z
    .object({ from: z.string().optional(), to: z.string().optional(), custom: z.string().optional() })
    .nullable()
    .optional(),
  address: z.record(z.string(), z.unknown()).optional(),
  /**
   * Integration data; `courierId` assigns a courier (docs/RETAILCRM-API.md, «Courier of an order», gap
   * CRM-5).
   */
  data: z.record(z.string(), z.unknown()).optional(),
});
export type DeliveryInput = z.output<typeof deliveryInputSchema>;

export const paymentInputSchema = z.looseObject({
  order: z.looseObject({ id: int.optional(), externalId: str.optional(), number: str.optional() }).optional(),
  type: z.string().optional(),
  status: z.string().optional(),
  amount: num.optional(),
  paidAt: z.string().nullable().optional(),
  externalId: str.optional(),
  comment: z.string().optional(),
});
export type PaymentInput = z.output<typeof paymentInputSchema>;

const customerInputSchema = z.looseObject({
  id: int.optional(),
  externalId: str.optional(),
  type: z.enum(['customer', 'customer_corporate']).optional(),
  site: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  patronymic: z.string().optional(),
  email: z.string().optional(),
  phones: z.array(z.object({ number: str })).optional(),
});

export const orderInputSchema = z.looseObject({
  externalId: str.optional(),
  number: str.optional(),
  createdAt: z.string().optional(),
  orderType: z.string().optional(),
  orderMethod: z.string().optional(),
  status: z.string().optional(),
  statusComment: z.string().optional(),
  countryIso: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  patronymic: z.string().optional(),
  phone: str.optional(),
  additionalPhone: str.optional(),
  email: z.string().optional(),
  customerComment: z.string().optional(),
  managerComment: z.string().optional(),
  managerId: int.nullable().optional(),
  call: bool.optional(),
  expired: bool.optional(),
  shipped: bool.optional(),
  shipmentStore: z.string().nullable().optional(),
  shipmentDate: z.string().nullable().optional(),
  discountManualAmount: num.optional(),
  discountManualPercent: num.optional(),
  customer: customerInputSchema.optional(),
  contragent: z.record(z.string(), z.unknown()).optional(),
  customFields: z.union([z.record(z.string(), z.unknown()), z.array(z.never())]).optional(),
  items: z.array(itemInputSchema).optional(),
  delivery: deliveryInputSchema.optional(),
  /** Accepted on create only (v5 manages payments through `/orders/payments/*` afterwards). */
  payments: z.union([z.array(paymentInputSchema), z.record(z.string(), paymentInputSchema)]).optional(),
  source: z.record(z.string(), z.string()).optional(),
});
export type OrderInput = z.output<typeof orderInputSchema>;

export const taskInputSchema = z.looseObject({
  text: z.string().optional(),
  commentary: z.string().optional(),
  datetime: z.string().optional(),
  performerId: int.nullable().optional(),
  performerType: z.string().optional(),
  order: z.looseObject({ id: int.optional(), externalId: str.optional(), number: str.optional() }).optional(),
  customer: z.looseObject({ id: int.optional(), externalId: str.optional() }).optional(),
  phone: str.optional(),
  complete: bool.optional(),
});
export type TaskInput = z.output<typeof taskInputSchema>;

/** zod issues → Symfony-style field errors (`items[0].quantity`) with Symfony's wording. */
export function fieldErrors(error: z.ZodError): ApiErrorDetails {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path
      .map((segment, index) =>
        typeof segment === 'number' ? `[${segment}]` : index === 0 ? String(segment) : `.${String(segment)}`,
      )
      .join('');
    errors[path || 'entity'] ??= 'This value is not valid.';
  }
  return errors;
}
