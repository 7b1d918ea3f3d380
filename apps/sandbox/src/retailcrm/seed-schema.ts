import { z } from 'zod';

/**
 * Reference books, users and API keys of a simulated account (docs/RETAILCRM-API.md, «Key scopes»,
 * «Users and groups», «Reference books»). One zod schema per entity fills the defaults, so tests and the
 * control API seed with only the fields they care about; the stored shape is what the API renders.
 */
const code = z.string().min(1);
const strings = z.array(z.string()).default([]);

export const SCOPES = [
  'order_read',
  'order_write',
  'customer_read',
  'customer_write',
  'store_read',
  'store_write',
  'reference_read',
  'reference_write',
  'analytics_write',
  'telephony_read',
  'telephony_write',
  'delivery_read',
  'delivery_write',
  'user_read',
  'user_write',
  'segment_read',
  'custom_fields_read',
  'custom_fields_write',
  'task_read',
  'task_write',
  'integration_read',
  'integration_write',
  'cost_read',
  'cost_write',
  'payments_read',
  'payments_write',
  'file_read',
  'file_write',
  'loyalty_read',
  'loyalty_write',
  'verification_read',
  'verification_write',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * What this connector's key is given (the mapping of docs/RETAILCRM-API.md, «Key scopes»); `integration_*`
 * deliberately absent.
 */
export const CONNECTOR_SCOPES: Scope[] = [
  'order_read',
  'order_write',
  'customer_read',
  'store_read',
  'reference_read',
  'delivery_read',
  'delivery_write',
  'user_read',
  'task_read',
  'task_write',
  'payments_read',
  'payments_write',
];

export const apiKeySchema = z.object({
  key: z.string().min(1),
  scopes: z.array(z.enum(SCOPES)).default(CONNECTOR_SCOPES),
  siteAccess: z.enum(['access_full', 'access_selective']).default('access_full'),
  /** Site codes the key may use when `siteAccess` is `access_selective`. */
  sitesAvailable: strings,
});
export type ApiKeyInput = z.input<typeof apiKeySchema>;
export type ApiKey = z.output<typeof apiKeySchema>;

export const siteSchema = z.object({
  code,
  name: z.string(),
  id: z.number().int().optional(),
  url: z.string().default('https://shop.example.ru'),
  description: z.string().optional(),
  phones: z.string().optional(),
  address: z.string().optional(),
  zip: z.string().optional(),
  defaultForCrm: z.boolean().default(false),
  loadFromYml: z.boolean().default(false),
  ordering: z.number().int().default(990),
  countryIso: z.string().default('RU'),
  currency: z.string().default('RUB'),
  /** Legal entity (`/reference/legal-entities` code) the site sells under. */
  contragentCode: z.string().optional(),
  isDemo: z.boolean().default(false),
});
export type Site = z.output<typeof siteSchema>;

const addressSchema = z.object({
  index: z.string().optional(),
  countryIso: z.string().optional(),
  region: z.string().optional(),
  city: z.string().optional(),
  street: z.string().optional(),
  building: z.string().optional(),
  flat: z.string().optional(),
  floor: z.number().int().optional(),
  block: z.number().int().optional(),
  house: z.string().optional(),
  housing: z.string().optional(),
  metro: z.string().optional(),
  notes: z.string().optional(),
  text: z.string().optional(),
});

export const storeSchema = z.object({
  code,
  name: z.string(),
  externalId: z.string().optional(),
  xmlId: z.string().optional(),
  description: z.string().optional(),
  email: z.string().optional(),
  type: z
    .enum(['store-type-online', 'store-type-retail', 'store-type-supplier', 'store-type-warehouse'])
    .default('store-type-retail'),
  inventoryType: z.enum(['integer', 'available']).default('integer'),
  active: z.boolean().default(true),
  contact: z.string().optional(),
  phone: z.object({ number: z.string() }).optional(),
  address: addressSchema.optional(),
  workTime: z.record(z.string(), z.array(z.unknown())).optional(),
});
export type Store = z.output<typeof storeSchema>;

export const statusSchema = z.object({
  code,
  name: z.string(),
  /** Status-group code. */
  group: z.string(),
  active: z.boolean().default(true),
  ordering: z.number().int().default(10),
});
export type Status = z.output<typeof statusSchema>;

export const statusGroupSchema = z.object({
  code,
  name: z.string(),
  active: z.boolean().default(true),
  ordering: z.number().int().default(10),
  process: z.boolean().default(false),
});
export type StatusGroup = z.output<typeof statusGroupSchema>;

export const paymentTypeSchema = z.object({
  code,
  name: z.string(),
  active: z.boolean().default(true),
  defaultForCrm: z.boolean().default(false),
  defaultForApi: z.boolean().default(false),
  description: z.string().optional(),
  deliveryTypes: strings,
  paymentStatuses: strings,
  sites: strings,
});
export type PaymentType = z.output<typeof paymentTypeSchema>;

export const paymentStatusSchema = z.object({
  code,
  name: z.string(),
  active: z.boolean().default(true),
  defaultForCrm: z.boolean().default(false),
  defaultForApi: z.boolean().default(false),
  paymentComplete: z.boolean().default(false),
  ordering: z.number().int().default(10),
  description: z.string().optional(),
  paymentTypes: strings,
});
export type PaymentStatus = z.output<typeof paymentStatusSchema>;

export const deliveryTypeSchema = z.object({
  code,
  name: z.string(),
  active: z.boolean().default(true),
  defaultCost: z.number().default(0),
  defaultNetCost: z.number().default(0),
  description: z.string().optional(),
  /** `courier` marks the built-in courier delivery (docs/RETAILCRM-API.md, «Courier of an order»). */
  integrationCode: z.string().optional(),
  vatRate: z.string().optional(),
  defaultForCrm: z.boolean().default(false),
  deliveryServices: strings,
  deliveryPaymentTypes: z.array(z.object({ code: z.string(), cod: z.boolean() })).default([]),
  currency: z.string().default('RUB'),
  sites: strings,
});
export type DeliveryType = z.output<typeof deliveryTypeSchema>;

export const orderTypeSchema = z.object({
  code,
  name: z.string(),
  active: z.boolean().default(true),
  defaultForCrm: z.boolean().default(false),
  defaultForApi: z.boolean().default(false),
  ordering: z.number().int().default(10),
});
export type OrderType = z.output<typeof orderTypeSchema>;

export const orderMethodSchema = z.object({
  code,
  name: z.string(),
  active: z.boolean().default(true),
  defaultForCrm: z.boolean().default(false),
  defaultForApi: z.boolean().default(false),
});
export type OrderMethod = z.output<typeof orderMethodSchema>;

export const legalEntitySchema = z.object({
  code,
  contragentType: z.enum(['individual', 'legal-entity', 'enterpreneur']).default('legal-entity'),
  legalName: z.string(),
  legalAddress: z.string().optional(),
  INN: z.string(),
  KPP: z.string().optional(),
  OKPO: z.string().optional(),
  OGRN: z.string().optional(),
  OGRNIP: z.string().optional(),
  certificateNumber: z.string().optional(),
  certificateDate: z.string().optional(),
  BIK: z.string().optional(),
  bank: z.string().optional(),
  bankAddress: z.string().optional(),
  corrAccount: z.string().optional(),
  bankAccount: z.string().optional(),
  countryIso: z.string().default('RU'),
  vatRate: z.string().optional(),
});
export type LegalEntity = z.output<typeof legalEntitySchema>;

export const courierSchema = z.object({
  id: z.number().int().positive().optional(),
  firstName: z.string(),
  lastName: z.string().optional(),
  patronymic: z.string().optional(),
  email: z.string().optional(),
  description: z.string().optional(),
  active: z.boolean().default(true),
  phone: z.object({ number: z.string() }).optional(),
});
export type CourierInput = z.input<typeof courierSchema>;
export type Courier = z.output<typeof courierSchema> & { id: number };

export const userGroupSchema = z.object({
  id: z.number().int().positive().optional(),
  code,
  name: z.string(),
  signatureTemplate: z.string().optional(),
  isManager: z.boolean().default(false),
  isPosManager: z.boolean().default(false),
  isDeliveryMen: z.boolean().default(false),
  deliveryTypes: strings,
  breakdownOrderTypes: strings,
  breakdownSites: strings,
  breakdownOrderMethods: strings,
  grantedOrderTypes: strings,
  grantedSites: strings,
});
export type UserGroupInput = z.input<typeof userGroupSchema>;
export type UserGroup = z.output<typeof userGroupSchema> & { id: number };

export const userSchema = z.object({
  id: z.number().int().positive().optional(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string().optional(),
  patronymic: z.string().optional(),
  position: z.string().optional(),
  phone: z.string().optional(),
  active: z.boolean().default(true),
  status: z.enum(['free', 'busy', 'dinner', 'break']).default('free'),
  online: z.boolean().default(false),
  isAdmin: z.boolean().default(false),
  isManager: z.boolean().default(true),
  /** Group codes. */
  groups: strings,
  createdAt: z.string().optional(),
});
export type UserInput = z.input<typeof userSchema>;
export type User = z.output<typeof userSchema> & { id: number; createdAt: string };

/** Reference books and people; every list is upserted by `code` (or `id` for couriers/users/groups). */
export const seedSchema = z.object({
  sites: z.array(siteSchema).optional(),
  stores: z.array(storeSchema).optional(),
  statusGroups: z.array(statusGroupSchema).optional(),
  statuses: z.array(statusSchema).optional(),
  paymentTypes: z.array(paymentTypeSchema).optional(),
  paymentStatuses: z.array(paymentStatusSchema).optional(),
  deliveryTypes: z.array(deliveryTypeSchema).optional(),
  orderTypes: z.array(orderTypeSchema).optional(),
  orderMethods: z.array(orderMethodSchema).optional(),
  legalEntities: z.array(legalEntitySchema).optional(),
  couriers: z.array(courierSchema).optional(),
  userGroups: z.array(userGroupSchema).optional(),
  users: z.array(userSchema).optional(),
});
export type SeedInput = z.input<typeof seedSchema>;
export type Seed = z.output<typeof seedSchema>;

const rateLimitSchema = z.object({
  enabled: z.boolean().default(true),
  /** Requests per second per account (docs/RETAILCRM-API.md, «Rate limits»: 10). */
  perSecond: z.number().int().positive().default(10),
  /** 503 is what RetailCRM documents; 429 is the mode the Go client also treats as rate limiting. */
  status: z.union([z.literal(503), z.literal(429)]).default(503),
});

/**
 * Which scopes (any of) guard a group of methods; docs/RETAILCRM-API.md, gap CRM-3 leaves several of these
 * open.
 */
export const SCOPE_GROUPS = [
  'orders.read',
  'orders.write',
  'payments.write',
  'tasks.read',
  'tasks.write',
  'users.read',
  'reference.read',
  'reference.stores',
  'reference.couriers',
] as const;
export type ScopeGroup = (typeof SCOPE_GROUPS)[number];

export const DEFAULT_SCOPE_RULES: Record<ScopeGroup, Scope[]> = {
  'orders.read': ['order_read'],
  'orders.write': ['order_write'],
  // docs/RETAILCRM-API.md, «Key scopes», gap CRM-3: `order_write` or `payments_write` — unresolved, so either
  // passes by default.
  'payments.write': ['order_write', 'payments_write'],
  'tasks.read': ['task_read'],
  'tasks.write': ['task_write'],
  'users.read': ['user_read'],
  'reference.read': ['reference_read'],
  'reference.stores': ['reference_read'],
  'reference.couriers': ['reference_read'],
};

export const settingsSchema = z.object({
  rateLimit: rateLimitSchema.partial().optional(),
  /** Added before every API answer of this account. */
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  /** Replace the scopes (any of) that guard a method group. */
  scopeRules: z.partialRecord(z.enum(SCOPE_GROUPS), z.array(z.enum(SCOPES))).optional(),
  /**
   * docs/RETAILCRM-API.md, gap CRM-4: tasks for a user group (`performerType: "group"`) — the stated
   * assumption is that they work.
   */
  allowGroupTasks: z.boolean().optional(),
  /**
   * Time limit of one trigger HTTP call (docs/RETAILCRM-API.md, «Triggers»: a short timeout and a single
   * attempt are assumed).
   */
  triggerTimeoutMs: z.number().int().min(1).max(60_000).optional(),
});
export type SettingsInput = z.input<typeof settingsSchema>;

export interface AccountSettings {
  rateLimit: z.output<typeof rateLimitSchema>;
  latencyMs: number;
  scopeRules: Record<ScopeGroup, Scope[]>;
  allowGroupTasks: boolean;
  triggerTimeoutMs: number;
}

export const accountSchema = seedSchema.extend({
  /** Account sub-domain (`<code>.retailcrm.ru`). */
  code: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
  /** Defaults to one key with the connector's scopes and full site access. */
  apiKeys: z.array(apiKeySchema).optional(),
  /** Fill every book not given with realistic defaults (docs/RETAILCRM-API.md, «Reference books»). */
  defaults: z.boolean().default(true),
  timezone: z.string().default('Europe/Moscow'),
  settings: settingsSchema.optional(),
  /** Port of this account's listener (0 = any free port). */
  port: z.number().int().min(0).max(65_535).default(0),
});
export type AccountInput = z.input<typeof accountSchema>;
