import { randomUUID } from 'node:crypto';
import { archived, referenceNotFound } from './errors.js';
import type {
  Employee,
  LegalEntity,
  ModelTail,
  Organization,
  Outlet,
  Reference,
  Role,
  Sale,
  SalePayment,
  SaleRefund,
  Uom,
  Workplace,
} from './model.js';
import { DEFAULT_RATE_LIMIT, type RateLimitSettings } from './rate-limiter.js';

/** Everything the simulator holds for one organization. */
export interface OrgState {
  organization: Organization;
  roles: Map<string, Role>;
  uoms: Map<string, Uom>;
  legalEntities: Map<string, LegalEntity>;
  outlets: Map<string, Outlet>;
  employees: Map<string, Employee>;
  workplaces: Map<string, Workplace>;
  sales: Map<string, Sale>;
  payments: Map<string, SalePayment>;
  refunds: Map<string, SaleRefund>;
  rateLimit: RateLimitSettings;
}

/** Shared by every operation: the clock and the configured tax enum (docs/LIFEPOS-API.md, gap G-12). */
export interface OperationContext {
  now(): string;
  taxes: readonly string[];
}

export function createOrgState(organization: Organization): OrgState {
  return {
    organization,
    roles: new Map(),
    uoms: new Map(),
    legalEntities: new Map(),
    outlets: new Map(),
    employees: new Map(),
    workplaces: new Map(),
    sales: new Map(),
    payments: new Map(),
    refunds: new Map(),
    rateLimit: { ...DEFAULT_RATE_LIMIT },
  };
}

export function newGuid(): string {
  return randomUUID();
}

export function tail<T extends string>(
  typeOf: T,
  now: string,
  input: {
    guid?: string | undefined;
    meta?: string | null | undefined;
    meta_data?: Record<string, unknown> | null | undefined;
  },
): ModelTail & { type_of: T } {
  return {
    guid: input.guid ?? newGuid(),
    type_of: typeOf,
    created_at: now,
    updated_at: now,
    deleted_at: null,
    meta: input.meta ?? null,
    meta_data: input.meta_data ?? null,
  };
}

/** The collection holding objects of `type_of`, for reference checks and `presentation=full`. */
export function collectionOf(org: OrgState, typeOf: string): Map<string, ModelTail> | undefined {
  switch (typeOf) {
    case 'Role':
      return org.roles;
    case 'Uom':
      return org.uoms;
    case 'LegalEntity':
      return org.legalEntities;
    case 'Outlet':
      return org.outlets;
    case 'Employee':
      return org.employees;
    case 'Workplace':
      return org.workplaces;
    case 'Sale':
      return org.sales;
    case 'SalePayment':
      return org.payments;
    case 'SaleRefund':
      return org.refunds;
    default:
      return undefined;
  }
}

export function lookup(org: OrgState, reference: Reference): Record<string, unknown> | undefined {
  if (reference.type_of === 'Organization') {
    return reference.guid === org.organization.guid ? { ...org.organization } : undefined;
  }
  const found = collectionOf(org, reference.type_of)?.get(reference.guid);
  return found ? { ...found } : undefined;
}

/**
 * Resolves a `{guid}` from a request body to a stored reference of `typeOf`: 404 ReferenceNotFound when
 * it does not exist, 422 NotAllowedForArchived when it is archived.
 */
export function resolveReference(
  org: OrgState,
  field: string,
  typeOf: string,
  input: { guid: string },
): Reference {
  const found = collectionOf(org, typeOf)?.get(input.guid);
  if (!found) throw referenceNotFound(field, input.guid);
  if (found.deleted_at !== null) throw archived(`Referenced ${field} (${input.guid})`);
  return { guid: found.guid, type_of: typeOf };
}
