/**
 * The LIFE POS sale vocabulary the connector speaks: the status fields of a sale and the sale it creates.
 * It lives in the domain, not in `@connector/lifepos`, because the client depends on the domain (errors,
 * money) while the decisions read these states and the order mapping builds the sale: one definition, used
 * by the mapping, the decisions, the connection settings and the client that encodes it for the API.
 */

/** The three status fields of a v6 sale (docs/LIFEPOS-API.md, «Status fields»). */
export const SALE_STATES = ['New', 'InProgress', 'Completed', 'Cancelled'] as const;
export const SALE_PAYMENT_STATUSES = [
  'NotPaid',
  'Paid',
  'PartiallyPaid',
  'Refunded',
  'PartiallyRefunded',
] as const;
export const SALE_SHIPPING_STATUSES = [
  'NotShipped',
  'Shipped',
  'PartiallyShipped',
  'Returned',
  'PartiallyReturned',
] as const;
export type SaleState = (typeof SALE_STATES)[number];
export type SalePaymentStatus = (typeof SALE_PAYMENT_STATUSES)[number];
export type SaleShippingStatus = (typeof SALE_SHIPPING_STATUSES)[number];

/** The VAT rates the connector maps RetailCRM rates to. */
export const LIFEPOS_TAXES = ['Tax20', 'Tax10', 'Tax0', 'TaxFree', 'Tax5', 'Tax7'] as const;
export type LifePosTax = (typeof LIFEPOS_TAXES)[number];
/** VAT rates (R18). Open-ended: newer builds add rates (gap G-12). */
export type Tax = LifePosTax | (string & {});
/** `Product`, `Service`, `ExciseProduct`, … (R18; 31 values). */
export type GoodType = 'Product' | 'Service' | 'Work' | 'ExciseProduct' | 'Payment' | (string & {});

export interface SalePositionInput {
  /** ≤128 chars. */
  name: string;
  quantity: number;
  /** Unit price in kopecks. */
  priceKopecks: number;
  /** Position total after discounts, in kopecks. */
  totalKopecks?: number;
  uomGuid: string;
  tax?: Tax;
  goodType?: GoodType;
  /** Required when `isMarkable` (docs/LIFEPOS-API.md, «Sales»). */
  barcode?: string;
  isMarkable?: boolean;
  markingAttributes?: unknown[];
}

/**
 * A sale to create: the body of POST /orgs/:org/deals/sales in the LIFE POS client's input form, which
 * encodes it to the API's field names (docs/LIFEPOS-API.md, «Sales»; fields after `positions` were cut from
 * the docs).
 */
export interface SaleCreateInput {
  /** Client-supplied guid: a repeat of the same guid answers 422 `Duplicate` (gap G-5), which makes create idempotent. */
  guid?: string;
  /** Non-empty, ≤36 chars. */
  number: string;
  outletGuid: string;
  /** The employee who opens the sale. */
  openedByGuid: string;
  workplaceGuid?: string;
  openedAt: Date | string;
  /** ≤512 chars. */
  comment?: string | null;
  state?: SaleState;
  paymentStatus?: SalePaymentStatus;
  shippingStatus?: SaleShippingStatus;
  totalKopecks: number;
  positions: SalePositionInput[];
  /** ≤128 chars; searchable with `query`. */
  meta?: string;
  metaData?: Record<string, unknown>;
  customProperties?: unknown;
  /** Further fields in the API's own names (customer, delivery, …: undocumented, gap G-3). Named fields win. */
  extra?: Record<string, unknown>;
}
