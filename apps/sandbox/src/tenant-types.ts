import type { AddEmployeeInput } from './lifepos/simulator-types.js';
import type { CourierInput, Scope, SettingsInput } from './retailcrm/seed-schema.js';
import type { ApiOrder } from './retailcrm/simulator.js';
import type { TriggerRule } from './retailcrm/triggers.js';

/** What `seedTenant` takes and gives (`tenant-seed.ts`). */

export interface TenantOptions {
  /** RetailCRM account code (its sub-domain); default `zerno-<n>`, unique in this process. */
  code?: string;
  /** Port of the account's listener (0 = any free port, the default). */
  port?: number;
  /** Number of sites, each with its own legal entity and retail stores (default 2). */
  sites?: 1 | 2;
  /**
   * The connector's trigger endpoint (`http://host/retailCRM/update`). When given, the account gets the
   * four trigger rules (new / closed / refund, and `new` on a shop change) posting there; without it, no
   * trigger rules.
   */
  ingressUrl?: string;
  /**
   * Trigger rule switches (RetailCRM's defaults: not on creation, API changes included); `shopChange: false`
   * leaves out the fourth rule, as on an account set up by the integration guide alone.
   */
  triggers?: { fireOnCreate?: boolean; ignoreApiChanges?: boolean; shopChange?: boolean };
  /** Status whose entry sends the order to LIFE POS (default `send-to-assembling`). */
  sendStatus?: string;
  /** Codes of the payment types the connector books LIFE POS payments under. */
  paymentTypeCodes?: { cash?: string; card?: string };
  /** Code of the user group that receives error tasks (default `integration-errors`). */
  errorGroupCode?: string;
  /** RetailCRM API key (default a random one). */
  apiKey?: string;
  /** Scopes of the key (default the connector's, docs/RETAILCRM-API.md, «Key scopes»). */
  scopes?: Scope[];
  /** RetailCRM couriers (default two). */
  couriers?: CourierInput[];
  /** RetailCRM account settings: rate limit, latency, scope rules, trigger timeout. */
  retailcrm?: SettingsInput;
  /** The RetailCRM account's IANA time zone (default `Europe/Moscow`). */
  timezone?: string;
  lifepos?: {
    /** Organization guid (what triggers send as `client_id`); default a random one. */
    orgId?: string;
    name?: string;
    /** Owner's phone and password (defaults: a phone unique in this sandbox, a random password). */
    phone?: string;
    password?: string;
    /** Per-second limit of the organization (the simulator's default when left out). */
    rateLimit?: { enabled?: boolean; perSecond?: number; retryAfterHeader?: boolean };
    /** Leave out the LIFE POS legal entity of the last site, so its stores have no outlet to go to. */
    omitLastSiteInn?: boolean;
    /** Also create one LIFE POS outlet per store (what the connector's store sync would do). */
    outletsForStores?: boolean;
    /**
     * Employees the organization already has, as in a shop that used LIFE POS before the connector (role
     * default Courier): e.g. one with the phone of a RetailCRM courier.
     */
    employees?: AddEmployeeInput[];
  };
}

export interface TenantLegalEntity {
  code: string;
  legalName: string;
  legalAddress: string;
  INN: string;
  KPP: string;
  OGRN: string;
}

export interface TenantSite {
  code: string;
  name: string;
  city: string;
  legalEntity: TenantLegalEntity;
}

export interface TenantStore {
  code: string;
  name: string;
  /** The site the store sells for; RetailCRM has no such field, the seed keeps the binding here. */
  site: string;
  /** INN of the site's legal entity: what the connector maps the store to a LIFE POS outlet by. */
  inn: string;
  city: string;
  address: string;
}

export interface TenantCourier {
  id: number;
  firstName: string;
  lastName: string | undefined;
  phone: string | undefined;
}

export interface TenantUser {
  id: number;
  name: string;
  active: boolean;
  groups: string[];
}

export interface TenantStatuses {
  /** Status a new order gets. */
  new: string;
  /** Entering it sends the order to LIFE POS (the `new` trigger). */
  send: string;
  /** Statuses of the `cancel` group; entering one fires the `closed` trigger. */
  cancel: string[];
  /** «Отменен» and «Возвращен» (both in `cancel`). */
  cancelled: string;
  returned: string;
  /** «Ошибочная отмена»: the connector deletes the sale so the order can be sent again; fires `closed`. */
  erroneousCancel: string;
  /** Set by the write-back when the LIFE POS sale is completed. */
  complete: string;
  /** Every status code of the account. */
  all: string[];
}

/** What the connector's settings form asks for, filled for this tenant (names as in `Connection`). */
export interface TenantConnectionSettings {
  lifeposOrgId: string;
  lifeposPhone: string;
  lifeposPassword: string;
  retailcrmUrl: string;
  retailcrmApiKey: string;
  errorUserGroupCode: string;
  cashPaymentTypeCode: string;
  cashlessPaymentTypeCode: string;
  /** The advanced settings (`Connection.settings`) that match this account's codes. */
  settings: {
    exportStatuses: string[];
    cancelStatuses: string[];
    deleteStatuses: string[];
    refundPaymentStatuses: string[];
    saleStateToStatus: { Completed: string; Cancelled: string };
    paidPaymentStatus: string;
    refundedPaymentStatus: string;
    deliveryTypeToOrderKind: Record<string, 'delivery' | 'pickup' | 'in_hall'>;
  };
}

export interface TenantOrderItem {
  name: string;
  /** Unit price before discount, rubles. */
  price: number;
  quantity?: number;
  /** Manual discount per unit, rubles. */
  discount?: number;
  /** RetailCRM VAT rate (`none`, `0`, `10`, `20`); default `none` (the legal entities are on УСН). */
  vatRate?: string;
}

export interface TenantOrderInput {
  /** Store code (`shipmentStore`), or null for an order without a shop. */
  store: string | null;
  /** RetailCRM courier id (`delivery.data.courierId`). */
  courier?: number | null;
  /** Default: two items from the coffee-shop menu, different for each order. */
  items?: TenantOrderItem[];
  /** Delivery type code (default the courier delivery; see `Tenant.deliveryTypes`). */
  deliveryType?: string;
  /** Delivery cost, rubles (default 300 for courier delivery, else 0). */
  deliveryCost?: number;
  /** Default `statuses.new`. */
  status?: string;
  customer?: { firstName?: string; lastName?: string; phone?: string; email?: string };
  customerComment?: string;
  managerComment?: string;
  externalId?: string;
  /** Payments created with the order (amount defaults to what is left to pay). */
  payments?: { type: string; status?: string; amount?: number }[];
  /** The manager acting (default the tenant's manager). */
  userId?: number;
}

export interface TenantOrder {
  id: number;
  number: string;
  site: string;
  store: string | null;
  status: string;
  deliveryType: string;
  deliveryCost: number;
  courierId: number | null;
  items: Required<TenantOrderItem>[];
  /** Σ(final unit price × quantity) + delivery cost, rubles — equal to the order's `totalSumm`. */
  totalSumm: number;
  /** The order as `GET /api/v5/orders/{id}?by=id` prints it. */
  order: ApiOrder;
}

export interface Tenant {
  /** RetailCRM account code. */
  accountCode: string;
  /** RetailCRM base URL of the account (a connection's "RetailCRM URL"). */
  baseUrl: string;
  apiKey: string;
  /** LIFE POS organization guid (= `client_id` of the triggers). */
  orgId: string;
  /** LIFE POS Owner's sign-in phone and password. */
  phone: string;
  password: string;
  /** What LIFEPOS_API_URL points at. */
  lifeposUrl: string;
  ingressUrl: string | undefined;

  sites: TenantSite[];
  stores: TenantStore[];
  couriers: TenantCourier[];
  statuses: TenantStatuses;
  paymentTypes: { cash: string; card: string };
  paymentStatuses: { notPaid: string; paid: string; returned: string };
  deliveryTypes: { courier: string; pickup: string; inHall: string };
  errorGroup: { id: number; code: string; activeUserIds: number[]; inactiveUserIds: number[] };
  /** The manager orders are created by, and every user of the account. */
  managerId: number;
  users: TenantUser[];
  triggerRules: TriggerRule[];

  lifepos: {
    ownerId: string;
    /** LIFE POS legal entities by INN. */
    legalEntities: { guid: string; inn: string; name: string }[];
    /** INNs of RetailCRM legal entities that have no LIFE POS legal entity (`omitLastSiteInn`). */
    missingInns: string[];
    /** The outlet and workplace every new organization starts with. */
    defaultOutletId: string;
    defaultWorkplaceId: string;
    /** Store code → outlet guid (only with `outletsForStores`). */
    outlets: Record<string, string>;
    /** Unit of measure guids by OKEI code (796 = pieces). */
    uoms: Record<string, string>;
    /** The employees of `lifepos.employees`, in the order given. */
    employees: { guid: string; name: string; phone: string }[];
  };

  /** The connector's settings form for this tenant. */
  connection: TenantConnectionSettings;

  /** Creates an order as a manager in the RetailCRM UI (history `source: user`). */
  createOrder(input: TenantOrderInput): TenantOrder;
}
