import { LifePosApiError } from './errors.js';
import { type Organization, ROLE_TYPES, type Role, type RoleType, ref } from './model.js';
import type { OrgState } from './organization-state.js';
import { tail } from './organization-state.js';
import type { RateLimitSettings } from './rate-limiter.js';
import type { LifePosSimulator } from './simulator.js';
import type { CreateOrganizationInput, SeededOrganization, SeedSaleInput } from './simulator-types.js';
import { ROLE_GUIDS, UOM_GUIDS } from './store.js';

/**
 * What the simulator's seeding shortcuts create: an organization ready to sign in to, and a sale with
 * defaults for everything a test leaves out.
 */

function organizationRecord(
  input: CreateOrganizationInput,
  n: number,
  alias: string,
  now: string,
): Organization {
  return {
    ...tail('Organization', now, { guid: input.guid }),
    type_of: 'Organization',
    name: input.name ?? `Организация ${n}`,
    alias,
    owner: null,
    support: {
      line: 'Поддержка',
      responsibility: 'Служба поддержки LIFE POS',
      phone: null,
      email: null,
      opening_hours: null,
      viber: null,
      telegram: null,
      whatsapp: null,
    },
    extensions: {},
  };
}

/** The Owner, a legal entity with INN, an outlet and a workplace of a new organization. */
function seedStaffAndPlaces(
  simulator: LifePosSimulator,
  org: OrgState,
  input: CreateOrganizationInput,
  phone: string,
) {
  const guid = org.organization.guid;
  const owner = simulator.addEmployee(guid, {
    name: input.owner?.name ?? 'Иван Владельцев',
    username: input.owner?.username ?? 'owner',
    phone,
    role: 'Owner',
  });
  org.organization = { ...org.organization, owner: ref(owner) };
  const legalEntity = simulator.addLegalEntity(guid, {
    juridical_name: 'ООО «Ромашка»',
    juridical_address: 'г. Москва, ул. Тверская, д. 1',
    inn: '7701234567',
    kpp: '770101001',
    ogrn: '1027700000001',
    tax_systems: ['Osn'],
    ...input.legalEntity,
  });
  const outlet = simulator.addOutlet(guid, {
    name: input.outlet?.name ?? 'Магазин на Тверской',
    address: input.outlet?.address ?? 'г. Москва, ул. Тверская, д. 1',
    legal_entity: { guid: legalEntity.guid },
  });
  const workplace = simulator.addWorkplace(guid, {
    name: 'Касса 1',
    workplace_type: 'Stationary',
    outlet: { guid: outlet.guid },
  });
  return { owner, legalEntity, outlet, workplace };
}

/** An organization with an Owner (phone + password), a legal entity with INN, an outlet and a workplace. */
export function seedOrganization(
  simulator: LifePosSimulator,
  input: CreateOrganizationInput,
  seed: { n: number; now: string; rateLimit: RateLimitSettings },
): SeededOrganization {
  const { n, now } = seed;
  const { store } = simulator;
  const phone = input.owner?.phone ?? `7999${String(n).padStart(7, '0')}`;
  const password = input.owner?.password ?? 'secret123';
  const alias = input.alias ?? `sandbox-${n}-${Math.random().toString(36).slice(2, 8)}`;
  if ([...store.orgs.values()].some((o) => o.organization.alias.toLowerCase() === alias.toLowerCase())) {
    throw new LifePosApiError(422, 'AliasIsAlreadyTaken', `Alias '${alias}' is already taken`, 'alias');
  }
  store.setPassword(phone, password);
  const organization = organizationRecord(input, n, alias, now);
  if (store.orgs.has(organization.guid)) {
    throw new LifePosApiError(422, 'Duplicate', `Organization ${organization.guid} already exists`, 'guid');
  }
  const org = store.addOrganization(organization);
  org.rateLimit = { ...seed.rateLimit };
  const { owner, legalEntity, outlet, workplace } = seedStaffAndPlaces(simulator, org, input, phone);
  return {
    organization: structuredClone(org.organization),
    owner,
    credentials: { phone, password },
    legalEntity,
    outlet,
    workplace,
    roles: Object.fromEntries(
      ROLE_TYPES.map((roleType) => [roleType, structuredClone(org.roles.get(ROLE_GUIDS[roleType]) as Role)]),
    ) as Record<RoleType, Role>,
    uoms: [...org.uoms.values()].map((uom) => structuredClone(uom)),
  };
}

/** The wire body of a sale with one position and defaults for everything not given. */
export function seedSaleBody(
  state: OrgState,
  input: SeedSaleInput,
  nextNumber: () => string,
  now: () => string,
): Record<string, unknown> {
  const outlet = input.outlet ?? [...state.outlets.values()].find((o) => o.deleted_at === null)?.guid;
  const workplace =
    input.workplace === undefined
      ? [...state.workplaces.values()].find((w) => w.deleted_at === null)?.guid
      : input.workplace;
  const total = input.total ?? 150_000;
  return {
    guid: input.guid,
    number: input.number ?? nextNumber(),
    outlet: { guid: outlet },
    workplace: workplace ? { guid: workplace } : null,
    opened_by: { guid: input.opened_by ?? state.organization.owner?.guid },
    opened_at: now(),
    comment: input.comment ?? null,
    total_sum: { value: total, currency: 'RUB' },
    positions: [
      {
        name: 'Товар',
        uom: { guid: UOM_GUIDS.piece },
        tax: 'Tax20',
        sale_price: { value: total, currency: 'RUB' },
        quantity: 1,
      },
    ],
    meta: input.meta ?? null,
    meta_data: input.meta_data ?? null,
  };
}
