/**
 * The LIFE POS v6 objects as the simulator stores them: already in wire form (snake_case, references as
 * `{guid, type_of}`, money as integer kopecks), so JSON Patch applies to exactly what a client reads.
 * Reference: docs/LIFEPOS-API.md, «Value objects», «Resources» and «Sale status model».
 */

export const CURRENCIES = ['RUB', 'GBP', 'USD', 'EUR', 'Unknown'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** docs/LIFEPOS-API.md, «Value objects» Money: `value` is an integer number of kopecks (G-8). */
export interface Money {
  value: number;
  currency: Currency;
  type_of: 'Money';
}

export interface Reference {
  guid: string;
  type_of: string;
}

/** Fields every model carries (docs/LIFEPOS-API.md, «Value objects» "common model tail"). */
export interface ModelTail {
  guid: string;
  type_of: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  meta: string | null;
  meta_data: Record<string, unknown> | null;
}

export type Extensions = Record<string, Record<string, unknown>>;

/** docs/LIFEPOS-API.md, «Subscribing» — the organization extension that subscribes to notifications. */
export interface NotificationServiceExtension {
  turned_on: boolean;
  primary_url_for_notifications: string | null;
  secondary_url_for_notifications: string | null;
  version: string;
}

export interface Organization extends ModelTail {
  type_of: 'Organization';
  name: string;
  alias: string;
  owner: Reference | null;
  support: {
    line: string;
    responsibility: string;
    phone: string | null;
    email: string | null;
    opening_hours: string | null;
    viber: string | null;
    telegram: string | null;
    whatsapp: string | null;
  };
  extensions: Extensions;
}

/**
 * docs/LIFEPOS-API.md, «Sign-in and tokens» [G6]: the roles of the v5 guide; only Owner and Administrator may
 * use the API.
 */
export const ROLE_TYPES = ['Owner', 'Administrator', 'Manager', 'Cashier', 'Courier', 'Guest'] as const;
export type RoleType = (typeof ROLE_TYPES)[number];
export const API_ROLE_TYPES: readonly RoleType[] = ['Owner', 'Administrator'];

export interface Role extends ModelTail {
  type_of: 'Role';
  name: string;
  role_type: RoleType;
  organization: Reference;
}

export interface Uom extends ModelTail {
  type_of: 'Uom';
  name: string;
  /** OKEI code (796 = pieces). */
  code: string;
  organization: Reference;
}

export const TAX_SYSTEMS = ['Osn', 'Usn', 'UsnMinus', 'Envd', 'Esn', 'Patent'] as const;

export interface LegalEntity extends ModelTail {
  type_of: 'LegalEntity';
  juridical_name: string;
  juridical_address: string;
  inn: string;
  kpp: string | null;
  ogrn: string | null;
  tax_systems: (typeof TAX_SYSTEMS)[number][];
  organization: Reference;
}

export interface Outlet extends ModelTail {
  type_of: 'Outlet';
  name: string;
  address: string;
  legal_entity: Reference;
  brand: Reference | null;
  organization: Reference;
  extensions: Extensions;
}

export interface Employee extends ModelTail {
  type_of: 'Employee';
  name: string;
  username: string;
  phone: string;
  role: Reference;
  inn: string | null;
  email: string | null;
  pin_code_hash: string | null;
  organization: Reference;
}

export const WORKPLACE_TYPES = ['Unknown', 'Mobile', 'Stationary', 'Automat'] as const;

export interface Workplace extends ModelTail {
  type_of: 'Workplace';
  number: number;
  name: string | null;
  workplace_type: (typeof WORKPLACE_TYPES)[number];
  activated_at: string | null;
  outlet: Reference | null;
  organization: Reference;
  extensions: Extensions;
}

export const DEAL_STATES = ['New', 'InProgress', 'Completed', 'Cancelled'] as const;
export type DealState = (typeof DEAL_STATES)[number];
export const PAYMENT_STATUSES = [
  'NotPaid',
  'Paid',
  'PartiallyPaid',
  'Refunded',
  'PartiallyRefunded',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
/** G-6: emitted values are `Returned*` (API reference); `Refunded*` (welcome page) is accepted on input. */
export const SHIPPING_STATUSES = [
  'NotShipped',
  'Shipped',
  'PartiallyShipped',
  'Returned',
  'PartiallyReturned',
] as const;
export type ShippingStatus = (typeof SHIPPING_STATUSES)[number];

export const GOOD_TYPES = [
  'Product',
  'ExciseProduct',
  'Work',
  'Service',
  'GamblingBet',
  'GamblingWinning',
  'LotteryBet',
  'LotteryWinning',
  'IntellectualProperty',
  'Payment',
  'AgentFee',
  'Payout',
  'Other',
  'PropertyRights',
  'NonRealizationIncome',
  'OtherPayments',
  'TradeFee',
  'ResortFee',
  'Bail',
  'Outflow',
  'ContributionForOPSIP',
  'ContributionForOPS',
  'ContributionForOMSIP',
  'ContributionForOMS',
  'ContributionForOSS',
  'CasinoPayment',
  'Cashout',
  'ATNM',
  'ATM',
  'TNM',
  'TM',
] as const;

/** G-12: the R18 list; configurable through `LifePosSimulatorOptions.taxes`. */
export const DEFAULT_TAXES = ['Tax20', 'Tax10', 'Tax0', 'TaxFree', 'Tax5', 'Tax7'] as const;

export interface SalePosition {
  guid: string;
  type_of: 'SalePosition';
  good_type: (typeof GOOD_TYPES)[number];
  name: string;
  uom: Reference;
  tax: string;
  sale_price: Money;
  quantity: number;
  total_sum: Money;
  origin_country: string | null;
  is_markable: boolean;
  barcode: string | null;
  marking_attributes: unknown[] | null;
}

export interface Sale extends ModelTail {
  type_of: 'Sale';
  number: string;
  outlet: Reference;
  workplace: Reference | null;
  opened_by: Reference;
  opened_at: string;
  comment: string | null;
  state: DealState;
  payment_status: PaymentStatus;
  shipping_status: ShippingStatus;
  total_sum: Money;
  positions: SalePosition[] | null;
  custom_properties: Record<string, unknown> | null;
  deal_permissions: Record<string, unknown> | null;
  organization: Reference;
}

/**
 * docs/LIFEPOS-API.md, «Money documents», «Notification delivery»: one payment document splits cash and card
 * inside itself.
 */
export interface SalePayment extends ModelTail {
  type_of: 'SalePayment';
  sale: Reference;
  total_sum: Money;
  sum_by_cash: Money;
  sum_by_card: Money;
  fiscal_document: Reference | null;
  employee: Reference | null;
  workplace: Reference | null;
  processed_at: string;
  organization: Reference;
}

export interface SaleRefund extends Omit<SalePayment, 'type_of'> {
  type_of: 'SaleRefund';
  for_payment: Reference;
}

export type MoneyDocument = SalePayment | SaleRefund;

export function money(value: number, currency: Currency = 'RUB'): Money {
  return { value, currency, type_of: 'Money' };
}

export function ref(object: { guid: string; type_of: string }): Reference {
  return { guid: object.guid, type_of: object.type_of };
}
