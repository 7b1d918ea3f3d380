import type { z } from 'zod';
import type { ApiContext } from './api-context.js';
import {
  type Employee,
  type EmployeeCreateInput,
  encodeEmployeeCreate,
  toEmployee,
  wireEmployeeSchema,
} from './employee.js';
import type { JsonPatchOperation } from './json-patch.js';
import { type LegalEntity, toLegalEntity, wireLegalEntitySchema } from './legal-entity.js';
import { type Organization, toOrganization, wireOrganizationSchema } from './organization.js';
import {
  encodeOutletCreate,
  type Outlet,
  type OutletCreateInput,
  toOutlet,
  wireOutletSchema,
} from './outlet.js';
import { listing } from './paging.js';
import { toRole, wireRoleSchema } from './role.js';
import { toUnitOfMeasure, wireUnitOfMeasureSchema } from './unit-of-measure.js';
import { type ListParams, listQuery } from './wire.js';
import {
  encodeWorkplaceCreate,
  toWorkplace,
  type Workplace,
  type WorkplaceCreateInput,
  wireWorkplaceSchema,
} from './workplace.js';

/** Organizations and the signed-in employee (docs/LIFEPOS-API.md, «Organizations», «Current employee»). */
export function organizationsApi(api: ApiContext) {
  return {
    ...listing('organizations', (params: ListParams) =>
      api.page('/orgs', wireOrganizationSchema, toOrganization, listQuery(params)),
    ),
    get: (guid: string = api.orgId): Promise<Organization> =>
      api.one(
        guid === api.orgId ? api.org() : `/orgs/${encodeURIComponent(guid)}`,
        wireOrganizationSchema,
        toOrganization,
      ),
    /** The signed-in employee (and so its role) in this organization. */
    me: (): Promise<Employee> => api.one(api.org('me'), wireEmployeeSchema, toEmployee),
  };
}

/**
 * The organization's reference data: legal entities, outlets, employees, roles, units of measure and
 * workplaces (docs/LIFEPOS-API.md, «Resources»). Every list has the guarded pager (`all`, `iterate`).
 */
export function directoryApi(api: ApiContext) {
  const list = <W, T>(name: string, schema: z.ZodType<W>, map: (wire: W) => T) =>
    listing(name, (params: ListParams) => api.page(api.org(name), schema, map, listQuery(params)));
  return {
    legalEntities: {
      ...list('legal-entities', wireLegalEntitySchema, toLegalEntity),
      get: (guid: string): Promise<LegalEntity> =>
        api.one(api.org('legal-entities', guid), wireLegalEntitySchema, toLegalEntity),
    },
    outlets: {
      ...list('outlets', wireOutletSchema, toOutlet),
      get: (guid: string): Promise<Outlet> => api.one(api.org('outlets', guid), wireOutletSchema, toOutlet),
      /** The outlet, or null when LIFE POS has none with this guid. */
      find: (guid: string): Promise<Outlet | null> =>
        api.oneOrNull(api.org('outlets', guid), wireOutletSchema, toOutlet),
      create: (input: OutletCreateInput): Promise<Outlet> =>
        api.create(api.org('outlets'), encodeOutletCreate(input), wireOutletSchema, toOutlet),
      patch: (guid: string, operations: JsonPatchOperation[]): Promise<void> =>
        api.patch(api.org('outlets', guid), operations),
    },
    employees: {
      ...list('employees', wireEmployeeSchema, toEmployee),
      create: (input: EmployeeCreateInput): Promise<Employee> =>
        api.create(api.org('employees'), encodeEmployeeCreate(input), wireEmployeeSchema, toEmployee),
      patch: (guid: string, operations: JsonPatchOperation[]): Promise<void> =>
        api.patch(api.org('employees', guid), operations),
    },
    roles: list('roles', wireRoleSchema, toRole),
    unitsOfMeasure: list('uoms', wireUnitOfMeasureSchema, toUnitOfMeasure),
    workplaces: {
      ...list('workplaces', wireWorkplaceSchema, toWorkplace),
      create: (input: WorkplaceCreateInput): Promise<Workplace> =>
        api.create(api.org('workplaces'), encodeWorkplaceCreate(input), wireWorkplaceSchema, toWorkplace),
    },
  };
}
