import type { LegalEntity as LifePosLegalEntity } from './lifepos/model.js';
import type { LifePosSimulator } from './lifepos/simulator.js';
import type { CrmAccount } from './retailcrm/account.js';
import { DEFAULT_SEED } from './retailcrm/reference-defaults.js';
import type { SeedInput } from './retailcrm/seed-schema.js';
import type { RetailCrmSimulator } from './retailcrm/simulator.js';
import type { Sandbox } from './sandbox.js';
import {
  DEFAULT_COURIERS,
  DELIVERY,
  lifeposLegalEntity,
  MANAGER_ID,
  PAYMENT_STATUS,
  SITES,
  STATUS,
  UNRELATED_LEGAL_ENTITY,
  userGroups,
  users,
} from './tenant-business.js';
import { createTenantOrder } from './tenant-orders.js';
import { triggerRulesFor } from './tenant-triggers.js';
import type {
  Tenant,
  TenantConnectionSettings,
  TenantCourier,
  TenantOptions,
  TenantSite,
  TenantStore,
  TenantUser,
} from './tenant-types.js';

export { expectedTotal } from './tenant-orders.js';
export { triggerRulesFor } from './tenant-triggers.js';
export type {
  Tenant,
  TenantConnectionSettings,
  TenantCourier,
  TenantLegalEntity,
  TenantOptions,
  TenantOrder,
  TenantOrderInput,
  TenantOrderItem,
  TenantSite,
  TenantStatuses,
  TenantStore,
  TenantUser,
} from './tenant-types.js';

/**
 * One call that gives a test (or the demo) a coherent tenant: a RetailCRM account and a LIFE POS organization
 * configured the way the integration guide (docs/LIFEPOS-API.md, «The official RetailCRM module») asks — an
 * API key with the connector's scopes, sites whose legal entities have the INNs of the LIFE POS legal
 * entities, retail stores, a cancel status group, cash / card payment types, an error user group and, when
 * the connector's ingress URL is known, the four "HTTP request" triggers the console asks for. Defaults are a
 * small Russian coffee chain with delivery so that what a test or a demo shows reads like a real account.
 */

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

type SiteSpec = (typeof SITES)[number];

interface TenantCodes {
  code: string;
  errorGroup: string;
  cashCode: string;
  cardCode: string;
  sendStatus: string;
}

function codesOf(options: TenantOptions, n: number): TenantCodes {
  return {
    code: options.code ?? `zerno-${n}`,
    errorGroup: options.errorGroupCode ?? 'integration-errors',
    cashCode: options.paymentTypeCodes?.cash ?? 'cash',
    cardCode: options.paymentTypeCodes?.card ?? 'bank-card',
    sendStatus: options.sendStatus ?? STATUS.send,
  };
}

/** LIFE POS first (the trigger rules need the organization guid): the organization as the options ask. */
function seedLifePos(
  lp: LifePosSimulator,
  code: string,
  lifeposOptions: NonNullable<TenantOptions['lifepos']>,
  siteSpecs: SiteSpec[],
  stores: TenantStore[],
) {
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
  const outlets = lifeposOptions.outletsForStores ? outletsForStores(lp, orgId, legalEntities, stores) : {};
  return { seeded, orgId, legalEntities, employees, outlets };
}

/** One LIFE POS outlet per store whose INN has a LIFE POS legal entity: store code → outlet guid. */
function outletsForStores(
  lp: LifePosSimulator,
  orgId: string,
  legalEntities: LifePosLegalEntity[],
  stores: TenantStore[],
): Record<string, string> {
  const outlets: Record<string, string> = {};
  for (const store of stores) {
    const entity = legalEntities.find((candidate) => candidate.inn === store.inn);
    if (!entity) continue;
    outlets[store.code] = lp.addOutlet(orgId, {
      name: store.name,
      address: `г. ${store.city}, ${store.address}`,
      legal_entity: { guid: entity.guid },
    }).guid;
  }
  return outlets;
}

/** The statuses of the account: the defaults, «Возвращен» in the cancel group, «Ошибочная отмена». */
function accountStatuses() {
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
  return { cancelStatuses, statuses };
}

/** The RetailCRM account's reference books and staff for this tenant. */
function retailCrmSeed(
  options: TenantOptions,
  codes: TenantCodes,
  siteSpecs: SiteSpec[],
  stores: TenantStore[],
  statuses: SeedInput['statuses'],
): SeedInput {
  const { cashCode, cardCode, errorGroup } = codes;
  const paymentTypes = [
    { code: cashCode, name: 'Наличные', defaultForCrm: true, defaultForApi: true },
    { code: cardCode, name: 'Банковская карта' },
    ...DEFAULT_SEED.paymentTypes.filter(
      (type) => ![cashCode, cardCode, 'cash', 'bank-card'].includes(type.code),
    ),
  ];
  return {
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
    userGroups: userGroups(codes.errorGroup),
    users: users(errorGroup),
  };
}

/** The account's couriers and users as the tenant lists them, and who is in the error group. */
function accountPeople(crm: CrmAccount, errorGroup: string) {
  const couriers: TenantCourier[] = [...crm.couriers.values()].map((courier) => ({
    id: courier.id,
    firstName: courier.firstName,
    lastName: courier.lastName,
    phone: courier.phone?.number,
  }));
  const users: TenantUser[] = [...crm.users.values()].map((user) => ({
    id: user.id,
    name: [user.firstName, user.lastName].filter(Boolean).join(' '),
    active: user.active,
    groups: user.groups,
  }));
  const groupMembers = users.filter((user) => user.groups.includes(errorGroup));
  const group: Tenant['errorGroup'] = {
    id: 4,
    code: errorGroup,
    activeUserIds: groupMembers.filter((user) => user.active).map((user) => user.id),
    inactiveUserIds: groupMembers.filter((user) => !user.active).map((user) => user.id),
  };
  return { couriers, users, group };
}

/** What the connector's settings form asks for, filled for this tenant. */
function connectionOf(
  codes: TenantCodes,
  credentials: { orgId: string; phone: string; password: string; baseUrl: string; apiKey: string },
  cancelStatuses: string[],
): TenantConnectionSettings {
  return {
    lifeposOrgId: credentials.orgId,
    lifeposPhone: credentials.phone,
    lifeposPassword: credentials.password,
    retailcrmUrl: credentials.baseUrl,
    retailcrmApiKey: credentials.apiKey,
    errorUserGroupCode: codes.errorGroup,
    cashPaymentTypeCode: codes.cashCode,
    cashlessPaymentTypeCode: codes.cardCode,
    settings: {
      exportStatuses: [codes.sendStatus],
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
  };
}

/** The LIFE POS side of the tenant as a test reads it. */
function lifeposSideOf(lifepos: ReturnType<typeof seedLifePos>, sites: TenantSite[]): Tenant['lifepos'] {
  const { seeded, legalEntities, outlets, employees } = lifepos;
  const lifeposInns = new Set(legalEntities.map((entity) => entity.inn));
  return {
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
  };
}

function remember(sandbox: Pick<Sandbox, 'retailcrm'>, tenant: Tenant): void {
  let tenants = registry.get(sandbox.retailcrm);
  if (!tenants) {
    tenants = new Map();
    registry.set(sandbox.retailcrm, tenants);
  }
  tenants.set(tenant.accountCode, tenant);
}

export async function seedTenant(
  sandbox: Pick<Sandbox, 'retailcrm' | 'lifepos' | 'lifeposUrl'>,
  options: TenantOptions = {},
): Promise<Tenant> {
  const codes = codesOf(options, ++tenantCounter);
  const { code, errorGroup, sendStatus } = codes;
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
  const lifepos = seedLifePos(sandbox.lifepos, code, options.lifepos ?? {}, siteSpecs, stores);
  const { orgId, seeded } = lifepos;

  const { cancelStatuses, statuses } = accountStatuses();
  const seed = retailCrmSeed(options, codes, siteSpecs, stores, statuses);
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
  const people = accountPeople(crm, errorGroup);
  const { phone, password } = seeded.credentials;

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
    couriers: people.couriers,
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
    paymentTypes: { cash: codes.cashCode, card: codes.cardCode },
    paymentStatuses: { ...PAYMENT_STATUS },
    deliveryTypes: { ...DELIVERY },
    errorGroup: people.group,
    managerId: MANAGER_ID,
    users: people.users,
    triggerRules,
    lifepos: lifeposSideOf(lifepos, sites),
    connection: connectionOf(
      codes,
      { orgId, phone, password, baseUrl: account.baseUrl, apiKey },
      cancelStatuses,
    ),
    createOrder: (input) => createTenantOrder(sandbox.retailcrm, tenant, input, orderCounter++),
  };
  remember(sandbox, tenant);
  return tenant;
}
