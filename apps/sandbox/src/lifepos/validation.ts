import { z } from 'zod';
import { invalid } from './errors.js';
import {
  CURRENCIES,
  DEAL_STATES,
  GOOD_TYPES,
  PAYMENT_STATUSES,
  ROLE_TYPES,
  SHIPPING_STATUSES,
  TAX_SYSTEMS,
  WORKPLACE_TYPES,
} from './model.js';
import { normalizeShippingStatus } from './sale-status.js';

/**
 * Input schemas with the constraints the reference pages show (docs/LIFEPOS-API.md, «Sign-in and tokens»,
 * «Resources»). Violations → 422 RequestIsNotValid.
 */

/**
 * docs/LIFEPOS-API.md, «Sign-in and tokens» [R1]: the phone pattern of the sign-in and employee pages,
 * matched in full.
 */
export const PHONE_PATTERN =
  /^((8|\+7)-?)?\(?\d{3,5}\)?-?\d{1}-?\d{1}-?\d{1}-?\d{1}-?\d{1}((-?\d{1})?-?\d{1})?$/;

export const phoneSchema = z
  .string()
  .min(10)
  .max(18)
  .regex(PHONE_PATTERN, 'does not match the phone pattern');

/** Phones compare by digits, with 8… and bare 10-digit numbers read as +7…. */
export function normalizePhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length === 10) return `7${digits}`;
  if (digits.length === 11 && digits.startsWith('8')) return `7${digits.slice(1)}`;
  return digits;
}

export const referenceInput = z.object({ guid: z.guid(), type_of: z.string().optional() });

/** G-8: money values are integer kopecks; a fractional value is a client bug worth a 422. */
export const moneyInput = z.object({
  value: z.number().int('must be an integer number of kopecks').min(0),
  currency: z.enum(CURRENCIES).default('RUB'),
  type_of: z.string().optional(),
});

const meta = z.string().max(128).nullable().optional();
const metaData = z.record(z.string(), z.unknown()).nullable().optional();
const extensions = z.record(z.string(), z.record(z.string(), z.unknown())).optional();

export const signInByPhoneSchema = z.object({ phone: phoneSchema, password: z.string().min(6).max(32) });
export const signInSchema = z.object({
  full_username: z.string().min(2).max(49),
  password: z.string().min(6).max(32),
  response_type: z.enum(['Session', 'Token']).optional(),
});

export const notificationServiceSchema = z.object({
  turned_on: z.boolean(),
  primary_url_for_notifications: z.url().nullable().optional(),
  secondary_url_for_notifications: z.url().nullable().optional(),
  version: z.string().min(1).max(8),
});

export const organizationPatchSchema = z
  .object({
    name: z.string().min(2).max(24),
    alias: z.string().regex(/^[a-zA-Z0-9_-]{2,24}$/),
    support: z.object({
      line: z.string().min(2).max(24),
      responsibility: z.string().min(2).max(128),
      phone: phoneSchema.nullable(),
      email: z.string().min(6).max(64).nullable(),
      opening_hours: z.string().min(2).max(128).nullable(),
      viber: z.string().min(2).max(64).nullable(),
      telegram: z.string().min(2).max(64).nullable(),
      whatsapp: z.string().min(2).max(64).nullable(),
    }),
    meta,
    meta_data: metaData,
    extensions: z
      .object({ notification_service: notificationServiceSchema.optional() })
      .catchall(z.record(z.string(), z.unknown())),
  })
  .strict();

export const legalEntityInput = z
  .object({
    guid: z.guid().optional(),
    juridical_name: z.string().min(2).max(256),
    juridical_address: z.string().min(2).max(256),
    inn: z.string().min(1),
    tax_systems: z.array(z.enum(TAX_SYSTEMS)).min(1),
    kpp: z
      .string()
      .regex(/^\d{9}$/, 'must be exactly 9 digits')
      .nullable()
      .optional(),
    ogrn: z.string().nullable().optional(),
    organization: referenceInput.optional(),
    meta,
    meta_data: metaData,
  })
  .strict();

export const outletInput = z
  .object({
    guid: z.guid().optional(),
    name: z.string().min(2).max(256),
    address: z.string().min(2).max(256),
    legal_entity: referenceInput,
    brand: referenceInput.nullable().optional(),
    organization: referenceInput.optional(),
    extensions,
    meta,
    meta_data: metaData,
  })
  .strict();

export const employeeInput = z
  .object({
    guid: z.guid().optional(),
    name: z.string().min(5).max(64),
    username: z.string().min(2).max(24),
    phone: phoneSchema,
    role: referenceInput,
    inn: z
      .string()
      .regex(/^\d{12}$/, 'must be exactly 12 digits')
      .nullable()
      .optional(),
    email: z.string().min(6).max(64).nullable().optional(),
    pin_code_hash: z.string().length(32).nullable().optional(),
    organization: referenceInput.optional(),
    meta,
    meta_data: metaData,
  })
  .strict();

export const workplaceInput = z
  .object({
    guid: z.guid().optional(),
    number: z.number().int().min(1).max(99_999).optional(),
    name: z.string().max(128).nullable().optional(),
    workplace_type: z.enum(WORKPLACE_TYPES),
    outlet: referenceInput.nullable().optional(),
    organization: referenceInput.optional(),
    extensions,
    meta,
    meta_data: metaData,
  })
  .strict();

export const roleTypeSchema = z.enum(ROLE_TYPES);

const shippingStatusInput = z.string().transform(normalizeShippingStatus).pipe(z.enum(SHIPPING_STATUSES));

export function positionInput(taxes: readonly string[]) {
  return z.object({
    guid: z.guid().optional(),
    good_type: z.enum(GOOD_TYPES).default('Product'),
    name: z.string().min(1).max(128),
    uom: referenceInput,
    tax: z.string().refine((tax) => taxes.includes(tax), `must be one of ${taxes.join(', ')}`),
    sale_price: moneyInput,
    quantity: z.number(),
    total_sum: moneyInput.optional(),
    origin_country: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .nullable()
      .optional(),
    is_markable: z.boolean().default(false),
    barcode: z.string().min(1).nullable().optional(),
    marking_attributes: z.array(z.unknown()).nullable().optional(),
  });
}

/**
 * docs/LIFEPOS-API.md, «Sales» create body + the G-3 assumption (meta / meta_data / custom_properties).
 * Unknown fields (customer, delivery, … that the cut page may hold) are accepted and dropped, as a lenient
 * server would.
 */
export function saleInput(taxes: readonly string[]) {
  return z.object({
    guid: z.guid().optional(),
    outlet: referenceInput,
    workplace: referenceInput.nullable().optional(),
    opened_by: referenceInput,
    opened_at: z.iso.datetime({ offset: true }),
    number: z.string().min(1).max(36),
    comment: z.string().max(512).nullable().optional(),
    state: z.enum(DEAL_STATES).optional(),
    payment_status: z.enum(PAYMENT_STATUSES).optional(),
    shipping_status: shippingStatusInput.optional(),
    total_sum: moneyInput,
    positions: z.array(positionInput(taxes)).nullable().optional(),
    custom_properties: z.record(z.string(), z.unknown()).nullable().optional(),
    deal_permissions: z.record(z.string(), z.unknown()).nullable().optional(),
    meta,
    meta_data: metaData,
  });
}

export const refundInput = z.object({
  guid: z.guid().optional(),
  for_payment: referenceInput,
  total_sum: moneyInput.optional(),
  sum_by_cash: moneyInput.optional(),
  sum_by_card: moneyInput.optional(),
  meta,
  meta_data: metaData,
});

/** Parses `data` or throws 422 RequestIsNotValid naming every offending field. */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown, what = 'Request'): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => issue.path.join('.') || '(body)');
  const details = result.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
  throw invalid(`${what} is not valid: ${details.join('; ')}`, [...new Set(fields)].join(','));
}
