import type { LegalEntity as LifePosLegalEntity } from './lifepos/model.js';
import type { AddEmployeeInput } from './lifepos/simulator.js';
import { formatDateTime } from './retailcrm/crm-time.js';
import { DEFAULT_SEED } from './retailcrm/reference-defaults.js';
import type {
  CourierInput,
  Scope,
  SeedInput,
  SettingsInput,
  UserGroupInput,
  UserInput,
} from './retailcrm/seed-schema.js';
import type { ApiOrder, ManagerOrderInput, RetailCrmSimulator } from './retailcrm/simulator.js';
import type { TriggerRule, TriggerRuleInput } from './retailcrm/triggers.js';
import type { Sandbox } from './sandbox.js';

/**
 * One call that gives a test (or the demo) a coherent tenant: a RetailCRM account and a LIFE POS organization
 * configured the way the integration guide (docs/LIFEPOS-API.md, «The official RetailCRM module») asks — an
 * API key with the connector's scopes, sites whose legal entities have the INNs of the LIFE POS legal
 * entities, retail stores, a cancel status group, cash / card payment types, an error user group and, when
 * the connector's ingress URL is known, the four "HTTP request" triggers the console asks for. Defaults are a
 * small Russian coffee chain with delivery so that what a test or a demo shows reads like a real account.
 */

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

// ---------------------------------------------------------------- the default business

const SITES: (TenantSite & { url: string; stores: Omit<TenantStore, 'site' | 'inn' | 'city'>[] })[] = [
  {
    code: 'zerno-msk',
    name: 'Зерно — Москва',
    url: 'https://msk.zerno-coffee.ru',
    city: 'Москва',
    legalEntity: {
      code: 'zerno-msk-llc',
      legalName: 'ООО «Зерно»',
      legalAddress: '125047, г. Москва, ул. 1-я Тверская-Ямская, д. 8',
      INN: '7714567895',
      KPP: '771401001',
      OGRN: '1157746123450',
    },
    stores: [
      { code: 'msk-tverskaya', name: 'Кофейня на Тверской', address: 'ул. Тверская, д. 10' },
      { code: 'msk-arbat', name: 'Кофейня на Арбате', address: 'ул. Арбат, д. 24' },
    ],
  },
  {
    code: 'zerno-spb',
    name: 'Зерно — Санкт-Петербург',
    url: 'https://spb.zerno-coffee.ru',
    city: 'Санкт-Петербург',
    legalEntity: {
      code: 'zerno-spb-llc',
      legalName: 'ООО «Зерно Северо-Запад»',
      legalAddress: '191025, г. Санкт-Петербург, Невский пр., д. 28',
      INN: '7812345675',
      KPP: '781201001',
      OGRN: '1177847123452',
    },
    stores: [{ code: 'spb-nevsky', name: 'Кофейня на Невском', address: 'Невский пр., д. 28' }],
  },
];

type LifePosLegalEntityInput = Pick<
  LifePosLegalEntity,
  'juridical_name' | 'juridical_address' | 'inn' | 'kpp' | 'ogrn' | 'tax_systems'
>;

/** The legal entity an organization starts with when the only site's INN is to be missing. */
const UNRELATED_LEGAL_ENTITY: LifePosLegalEntityInput = {
  juridical_name: 'ООО «Зерно Трейд»',
  juridical_address: '115054, г. Москва, ул. Дубининская, д. 57',
  inn: '7709876545',
  kpp: '770901001',
  ogrn: '1187746123455',
  tax_systems: ['Usn'],
};

/** The same legal entity as LIFE POS keeps it (on УСН, as a small coffee chain usually is). */
function lifeposLegalEntity(entity: TenantLegalEntity): LifePosLegalEntityInput {
  return {
    juridical_name: entity.legalName,
    juridical_address: entity.legalAddress,
    inn: entity.INN,
    kpp: entity.KPP,
    ogrn: entity.OGRN,
    tax_systems: ['Usn'],
  };
}

const MENU: Required<TenantOrderItem>[] = [
  { name: 'Капучино 0,3 л', price: 220, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Латте 0,4 л', price: 260, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Круассан с миндалём', price: 189.5, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Сырники со сметаной', price: 340, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Раф ванильный 0,3 л', price: 290, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Чизкейк «Нью-Йорк»', price: 360, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Кофе в зёрнах «Эфиопия», 250 г', price: 899.9, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Лимонад «Облепиха-маракуйя» 0,5 л', price: 250, quantity: 1, discount: 0, vatRate: 'none' },
];

const CUSTOMERS = [
  { firstName: 'Алексей', lastName: 'Смирнов', phone: '+79031234501', flat: '42' },
  { firstName: 'Ольга', lastName: 'Кузнецова', phone: '+79031234502', flat: '7' },
  { firstName: 'Дмитрий', lastName: 'Попов', phone: '+79031234503', flat: '115' },
  { firstName: 'Екатерина', lastName: 'Васильева', phone: '+79031234504', flat: '3' },
];

const CUSTOMER_STREETS: Record<string, string> = {
  Москва: 'ул. Новый Арбат, д. 15',
  'Санкт-Петербург': 'ул. Рубинштейна, д. 7',
};

const DELIVERY_SLOTS = [
  { from: '10:00', to: '11:00' },
  { from: '12:00', to: '13:00' },
  { from: '15:00', to: '16:00' },
  { from: '18:00', to: '19:00' },
];

const DEFAULT_COURIERS: CourierInput[] = DEFAULT_SEED.couriers;
const COURIER_DELIVERY_COST = 300;

const STATUS = {
  new: 'new',
  send: 'send-to-assembling',
  cancelled: 'cancel-other',
  returned: 'returned',
  erroneousCancel: 'erroneous-cancel',
  complete: 'complete',
} as const;

const PAYMENT_STATUS = { notPaid: 'not-paid', paid: 'paid', returned: 'returned' } as const;
const DELIVERY = { courier: 'courier', pickup: 'self-delivery', inHall: 'in-hall' } as const;
const MANAGER_ID = 2;

function users(errorGroup: string): UserInput[] {
  return [
    {
      id: 1,
      email: 'director@zerno-coffee.ru',
      firstName: 'Анна',
      lastName: 'Иванова',
      position: 'Управляющая',
      isAdmin: true,
      isManager: false,
      groups: ['director', errorGroup],
    },
    {
      id: MANAGER_ID,
      email: 'manager@zerno-coffee.ru',
      firstName: 'Мария',
      lastName: 'Соколова',
      position: 'Менеджер по доставке',
      groups: ['manager', errorGroup],
    },
    {
      id: 3,
      email: 'p.volkov@zerno-coffee.ru',
      firstName: 'Пётр',
      lastName: 'Волков',
      position: 'Менеджер (уволен)',
      active: false,
      groups: ['manager', errorGroup],
    },
    {
      id: 4,
      email: 'dispatcher@zerno-coffee.ru',
      firstName: 'Ольга',
      lastName: 'Морозова',
      position: 'Диспетчер',
      groups: ['manager'],
    },
  ];
}

function userGroups(errorGroup: string): UserGroupInput[] {
  return [
    { id: 1, code: 'director', name: 'Руководители' },
    { id: 2, code: 'manager', name: 'Менеджеры', isManager: true },
    { id: 3, code: 'couriers', name: 'Курьеры', isDeliveryMen: true },
    { id: 4, code: errorGroup, name: 'Ошибки интеграции LIFE POS' },
  ];
}

// ---------------------------------------------------------------- money

/** Rubles → integer kopecks, so sums of prices like 189.50 stay exact. */
const kopecks = (rubles: number) => Math.round(rubles * 100);
const rubles = (value: number) => value / 100;

/** Σ(final unit price × quantity) + delivery cost, computed in kopecks. */
export function expectedTotal(items: Required<TenantOrderItem>[], deliveryCost: number): number {
  const goods = items.reduce(
    (sum, item) => sum + Math.round((kopecks(item.price) - kopecks(item.discount)) * item.quantity),
    0,
  );
  return rubles(goods + kopecks(deliveryCost));
}

// ---------------------------------------------------------------- registry (the page lists seeded tenants)

const registry = new WeakMap<RetailCrmSimulator, Map<string, Tenant>>();

/** Tenants seeded into this sandbox, by RetailCRM account code (the page shows their credentials). */
export function seededTenants(sandbox: Pick<Sandbox, 'retailcrm'>): Tenant[] {
  return [...(registry.get(sandbox.retailcrm)?.values() ?? [])];
}

export function seededTenant(sandbox: Pick<Sandbox, 'retailcrm'>, accountCode: string): Tenant | undefined {
  return registry.get(sandbox.retailcrm)?.get(accountCode);
}

let tenantCounter = 0;

function randomSuffix(): string {
  return crypto.randomUUID().replaceAll('-', '').slice(0, 12);
}

// ---------------------------------------------------------------- seeding

export async function seedTenant(
  sandbox: Pick<Sandbox, 'retailcrm' | 'lifepos' | 'lifeposUrl'>,
  options: TenantOptions = {},
): Promise<Tenant> {
  const n = ++tenantCounter;
  const code = options.code ?? `zerno-${n}`;
  const errorGroup = options.errorGroupCode ?? 'integration-errors';
  const cashCode = options.paymentTypeCodes?.cash ?? 'cash';
  const cardCode = options.paymentTypeCodes?.card ?? 'bank-card';
  const sendStatus = options.sendStatus ?? STATUS.send;
  const siteSpecs = SITES.slice(0, options.sites ?? 2);
  const sites: TenantSite[] = siteSpecs.map(({ code: site, name, city, legalEntity }) => ({
    code: site,
    name,
    city,
    legalEntity,
  }));
  const stores: TenantStore[] = siteSpecs.flatMap((site) =>
    site.stores.map((store) => ({ ...store, site: site.code, inn: site.legalEntity.INN, city: site.city })),
  );

  // ---- LIFE POS first: the trigger rules need the organization guid.
  const lp = sandbox.lifepos;
  const lifeposOptions = options.lifepos ?? {};
  const omitLast = lifeposOptions.omitLastSiteInn ?? false;
  const lifeposSites = omitLast ? siteSpecs.slice(0, -1) : siteSpecs;
  const [firstEntity, ...otherEntities] = lifeposSites.map(({ legalEntity }) =>
    lifeposLegalEntity(legalEntity),
  );
  const aliasTaken = lp.organizations().some((org) => org.alias.toLowerCase() === code.toLowerCase());
  const seeded = lp.createOrganization({
    guid: lifeposOptions.orgId,
    name: lifeposOptions.name ?? 'Кофейня «Зерно»',
    alias: code.length <= 24 && !aliasTaken ? code : undefined,
    owner: {
      name: 'Анна Иванова',
      username: 'owner',
      phone: lifeposOptions.phone,
      password: lifeposOptions.password ?? `zerno-${randomSuffix()}`,
    },
    legalEntity: firstEntity ?? UNRELATED_LEGAL_ENTITY,
    outlet: {
      name: 'Офис',
      address: firstEntity?.juridical_address ?? UNRELATED_LEGAL_ENTITY.juridical_address,
    },
  });
  const orgId = seeded.organization.guid;
  const legalEntities = [
    seeded.legalEntity,
    ...otherEntities.map((entity) => lp.addLegalEntity(orgId, entity)),
  ];
  if (lifeposOptions.rateLimit) lp.setRateLimit(orgId, lifeposOptions.rateLimit);
  const employees = (lifeposOptions.employees ?? []).map((input) => {
    const { guid, name, phone } = lp.addEmployee(orgId, input);
    return { guid, name, phone };
  });
  const outlets: Record<string, string> = {};
  if (lifeposOptions.outletsForStores) {
    for (const store of stores) {
      const entity = legalEntities.find((candidate) => candidate.inn === store.inn);
      if (!entity) continue;
      outlets[store.code] = lp.addOutlet(orgId, {
        name: store.name,
        address: `г. ${store.city}, ${store.address}`,
        legal_entity: { guid: entity.guid },
      }).guid;
    }
  }

  // ---- RetailCRM
  const cancelGroup = DEFAULT_SEED.statuses
    .filter((status) => status.group === 'cancel')
    .map((status) => status.code);
  const cancelStatuses = [...cancelGroup, STATUS.returned];
  const statuses = [
    ...DEFAULT_SEED.statuses,
    { code: STATUS.returned, name: 'Возвращен', group: 'cancel', ordering: 195 },
    // Not in the cancel group: after it the order goes back to the send status (integration guide).
    { code: STATUS.erroneousCancel, name: 'Ошибочная отмена', group: 'approval', ordering: 55 },
  ];
  const paymentTypes = [
    { code: cashCode, name: 'Наличные', defaultForCrm: true, defaultForApi: true },
    { code: cardCode, name: 'Банковская карта' },
    ...DEFAULT_SEED.paymentTypes.filter(
      (type) => ![cashCode, cardCode, 'cash', 'bank-card'].includes(type.code),
    ),
  ];
  const seed: SeedInput = {
    legalEntities: siteSpecs.map(({ legalEntity }) => ({
      ...legalEntity,
      contragentType: 'legal-entity' as const,
      BIK: '044525225',
      bank: 'ПАО Сбербанк',
      corrAccount: '30101810400000000225',
      bankAccount: '40702810938000123456',
      vatRate: 'none',
    })),
    sites: siteSpecs.map((site, index) => ({
      code: site.code,
      name: site.name,
      id: index + 1,
      url: site.url,
      defaultForCrm: index === 0,
      contragentCode: site.legalEntity.code,
      phones: '+7 (800) 555-35-35',
    })),
    stores: stores.map((store, index) => ({
      code: store.code,
      name: store.name,
      type: 'store-type-retail' as const,
      phone: { number: `+7495123450${index + 1}` },
      address: { countryIso: 'RU', city: store.city, text: store.address },
    })),
    statuses,
    paymentTypes,
    paymentStatuses: [
      ...DEFAULT_SEED.paymentStatuses,
      { code: PAYMENT_STATUS.returned, name: 'Возвращен', ordering: 95 },
    ],
    couriers: options.couriers ?? DEFAULT_COURIERS,
    userGroups: userGroups(errorGroup),
    users: users(errorGroup),
  };
  const apiKey = options.apiKey ?? `zerno-${randomSuffix()}${randomSuffix()}`;
  const account = await sandbox.retailcrm.createAccount({
    code,
    port: options.port ?? 0,
    apiKeys: [
      { key: apiKey, ...(options.scopes ? { scopes: options.scopes } : {}), siteAccess: 'access_full' },
    ],
    ...seed,
    ...(options.retailcrm ? { settings: options.retailcrm } : {}),
    ...(options.timezone ? { timezone: options.timezone } : {}),
  });

  const triggerRules = options.ingressUrl
    ? sandbox.retailcrm.setTriggerRules(
        code,
        triggerRulesFor(options.ingressUrl, orgId, options.triggers, {
          send: [sendStatus],
          closed: [...cancelStatuses, STATUS.erroneousCancel],
          refund: [PAYMENT_STATUS.returned],
        }),
      )
    : [];

  const crm = sandbox.retailcrm.account(code);
  const courierList: TenantCourier[] = [...crm.couriers.values()].map((courier) => ({
    id: courier.id,
    firstName: courier.firstName,
    lastName: courier.lastName,
    phone: courier.phone?.number,
  }));
  const userList: TenantUser[] = [...crm.users.values()].map((user) => ({
    id: user.id,
    name: [user.firstName, user.lastName].filter(Boolean).join(' '),
    active: user.active,
    groups: user.groups,
  }));
  const groupMembers = userList.filter((user) => user.groups.includes(errorGroup));
  const phone = seeded.credentials.phone;
  const password = seeded.credentials.password;
  const lifeposInns = new Set(legalEntities.map((entity) => entity.inn));

  let orderCounter = 0;
  const tenant: Tenant = {
    accountCode: code,
    baseUrl: account.baseUrl,
    apiKey,
    orgId,
    phone,
    password,
    lifeposUrl: sandbox.lifeposUrl,
    ingressUrl: options.ingressUrl,
    sites,
    stores,
    couriers: courierList,
    statuses: {
      new: STATUS.new,
      send: sendStatus,
      cancel: cancelStatuses,
      cancelled: STATUS.cancelled,
      returned: STATUS.returned,
      erroneousCancel: STATUS.erroneousCancel,
      complete: STATUS.complete,
      all: [...crm.statuses.keys()],
    },
    paymentTypes: { cash: cashCode, card: cardCode },
    paymentStatuses: { ...PAYMENT_STATUS },
    deliveryTypes: { ...DELIVERY },
    errorGroup: {
      id: 4,
      code: errorGroup,
      activeUserIds: groupMembers.filter((user) => user.active).map((user) => user.id),
      inactiveUserIds: groupMembers.filter((user) => !user.active).map((user) => user.id),
    },
    managerId: MANAGER_ID,
    users: userList,
    triggerRules,
    lifepos: {
      ownerId: seeded.owner.guid,
      legalEntities: legalEntities.map((entity) => ({
        guid: entity.guid,
        inn: entity.inn,
        name: entity.juridical_name,
      })),
      missingInns: sites.map((site) => site.legalEntity.INN).filter((inn) => !lifeposInns.has(inn)),
      defaultOutletId: seeded.outlet.guid,
      defaultWorkplaceId: seeded.workplace.guid,
      outlets,
      uoms: Object.fromEntries(seeded.uoms.map((uom) => [uom.code, uom.guid])),
      employees,
    },
    connection: {
      lifeposOrgId: orgId,
      lifeposPhone: phone,
      lifeposPassword: password,
      retailcrmUrl: account.baseUrl,
      retailcrmApiKey: apiKey,
      errorUserGroupCode: errorGroup,
      cashPaymentTypeCode: cashCode,
      cashlessPaymentTypeCode: cardCode,
      settings: {
        exportStatuses: [sendStatus],
        cancelStatuses,
        deleteStatuses: [STATUS.erroneousCancel],
        refundPaymentStatuses: [PAYMENT_STATUS.returned],
        saleStateToStatus: { Completed: STATUS.complete, Cancelled: STATUS.cancelled },
        paidPaymentStatus: PAYMENT_STATUS.paid,
        refundedPaymentStatus: PAYMENT_STATUS.returned,
        deliveryTypeToOrderKind: {
          [DELIVERY.courier]: 'delivery',
          [DELIVERY.pickup]: 'pickup',
          [DELIVERY.inHall]: 'in_hall',
        },
      },
    },
    createOrder: (input) => createTenantOrder(sandbox.retailcrm, tenant, input, orderCounter++),
  };

  let tenants = registry.get(sandbox.retailcrm);
  if (!tenants) {
    tenants = new Map();
    registry.set(sandbox.retailcrm, tenants);
  }
  tenants.set(code, tenant);
  return tenant;
}

/**
 * The "HTTP request" triggers the console asks for, urlencoded, with the org guid as `client_id`: the
 * integration guide's three, and `new` when the order's shop (`shipment_store`) changes.
 */
export function triggerRulesFor(
  ingressUrl: string,
  orgId: string,
  switches: TenantOptions['triggers'] = {},
  statuses: { send: string[]; closed: string[]; refund: string[] },
): TriggerRuleInput[] {
  const common = {
    url: ingressUrl,
    method: 'POST' as const,
    fireOnCreate: switches.fireOnCreate ?? false,
    ignoreApiChanges: switches.ignoreApiChanges ?? false,
  };
  const params = (status: 'new' | 'closed' | 'refund') => ({
    client_id: orgId,
    order_id: '{{ order.getId() }}',
    status,
  });
  return [
    {
      ...common,
      name: 'LIFE POS: передать заказ',
      event: 'order.status',
      statuses: statuses.send,
      params: params('new'),
    },
    {
      ...common,
      name: 'LIFE POS: отменить неоплаченный заказ',
      event: 'order.status',
      statuses: statuses.closed,
      params: params('closed'),
    },
    {
      ...common,
      name: 'LIFE POS: вернуть оплату',
      event: 'payment.status',
      statuses: statuses.refund,
      params: params('refund'),
    },
    ...(switches.shopChange === false
      ? []
      : [
          {
            ...common,
            name: 'LIFE POS: сменить склад отгрузки',
            event: 'order.field' as const,
            fields: ['shipment_store'],
            params: params('new'),
          },
        ]),
  ];
}

function createTenantOrder(
  simulator: RetailCrmSimulator,
  tenant: Tenant,
  input: TenantOrderInput,
  index: number,
): TenantOrder {
  const store =
    input.store === null ? undefined : tenant.stores.find((candidate) => candidate.code === input.store);
  if (input.store !== null && !store) {
    throw new Error(`store "${input.store}" is not one of ${tenant.stores.map((s) => s.code).join(', ')}`);
  }
  const site = store?.site ?? tenant.sites[0]?.code ?? '';
  const city = tenant.sites.find((candidate) => candidate.code === site)?.city ?? 'Москва';
  const deliveryType = input.deliveryType ?? tenant.deliveryTypes.courier;
  const isCourier = deliveryType === tenant.deliveryTypes.courier;
  const deliveryCost = input.deliveryCost ?? (isCourier ? COURIER_DELIVERY_COST : 0);
  const items: Required<TenantOrderItem>[] = (input.items ?? defaultItems(index)).map((item) => ({
    name: item.name,
    price: item.price,
    quantity: item.quantity ?? 1,
    discount: item.discount ?? 0,
    vatRate: item.vatRate ?? 'none',
  }));
  const person = CUSTOMERS[index % CUSTOMERS.length] ?? CUSTOMERS[0]!;
  const customer = { ...person, ...input.customer };
  const slot = DELIVERY_SLOTS[index % DELIVERY_SLOTS.length];
  const today = formatDateTime(new Date(), 'Europe/Moscow').slice(0, 10);
  const status = input.status ?? tenant.statuses.new;

  const order: ManagerOrderInput = {
    status,
    firstName: customer.firstName,
    lastName: customer.lastName,
    phone: customer.phone,
    ...(customer.email ? { email: customer.email } : {}),
    ...(input.customerComment === undefined ? {} : { customerComment: input.customerComment }),
    ...(input.managerComment === undefined ? {} : { managerComment: input.managerComment }),
    ...(input.externalId === undefined ? {} : { externalId: input.externalId }),
    orderMethod: 'phone',
    managerId: input.userId ?? tenant.managerId,
    ...(store ? { shipmentStore: store.code } : {}),
    items: items.map((item) => ({
      productName: item.name,
      offer: { externalId: `menu-${slug(item.name)}` },
      initialPrice: item.price,
      quantity: item.quantity,
      discountManualAmount: item.discount,
      vatRate: item.vatRate,
    })),
    delivery: {
      code: deliveryType,
      cost: deliveryCost,
      ...(isCourier
        ? {
            date: today,
            ...(slot ? { time: slot } : {}),
            address: {
              city,
              text: `г. ${city}, ${CUSTOMER_STREETS[city] ?? 'ул. Ленина, д. 1'}, кв. ${person.flat}`,
            },
          }
        : {}),
      ...(input.courier ? { data: { courierId: input.courier } } : {}),
    },
    ...(input.payments ? { payments: input.payments } : {}),
  };
  const created = simulator.createOrder(tenant.accountCode, order, {
    site,
    userId: input.userId ?? tenant.managerId,
  });
  const totalSumm = expectedTotal(items, deliveryCost);
  if (kopecks(Number(created.totalSumm)) !== kopecks(totalSumm)) {
    throw new Error(
      `RetailCRM sandbox computed totalSumm ${String(created.totalSumm)} for order ${String(created.id)}, expected ${totalSumm}`,
    );
  }
  return {
    id: Number(created.id),
    number: String(created.number),
    site,
    store: store?.code ?? null,
    status,
    deliveryType,
    deliveryCost,
    courierId: input.courier ?? null,
    items,
    totalSumm,
    order: created,
  };
}

/** Two menu items per order, a different pair each time, one of them with a 20 ₽ discount now and then. */
function defaultItems(index: number): Required<TenantOrderItem>[] {
  const first = MENU[index % MENU.length]!;
  const second = MENU[(index + 3) % MENU.length]!;
  return [
    { ...first, quantity: 1 + (index % 2) },
    { ...second, quantity: 1, discount: index % 3 === 0 ? 20 : 0 },
  ];
}

/** A stable offer id for a menu item name (RetailCRM matches offers by `externalId`). */
function slug(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash.toString(36);
}
