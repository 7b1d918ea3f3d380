import type { z } from 'zod';
import { archived, invalid, LifePosApiError, notFound } from './errors.js';
import { applyJsonPatch, deepEqual, type JsonPatchOperation } from './json-patch.js';
import type { ListSpec } from './listing.js';
import type { Employee, Extensions, LegalEntity, ModelTail, Outlet, Role, Uom, Workplace } from './model.js';
import { ref } from './model.js';
import { type OperationContext, type OrgState, resolveReference, tail } from './organization-state.js';
import { filterExtensions } from './presentation.js';
import {
  employeeInput,
  legalEntityInput,
  normalizePhone,
  outletInput,
  parseInput,
  workplaceInput,
} from './validation.js';

/**
 * The organization's reference data (docs/LIFEPOS-API.md, «Resources», G-9): legal entities, outlets,
 * employees, workplaces (list / get / create / JSON-Patch / archive) and the seeded, read-only roles and
 * units of measure.
 */

/**
 * What to do with a write touching an extension the client did not declare (docs/LIFEPOS-API.md,
 * «Required headers», inferred).
 */
export type UndeclaredExtensionMode = 'reject' | 'ignore';

export interface WriteOptions {
  declaredExtensions: ReadonlySet<string>;
  undeclaredExtensions: UndeclaredExtensionMode;
}

export interface CatalogSpec<T extends ModelTail> {
  /** Path segment under `/orgs/{org}/`. */
  segment: string;
  label: string;
  collection(org: OrgState): Map<string, T>;
  list: ListSpec<T>;
  write?: {
    schema: z.ZodType;
    /** Top-level fields a JSON Patch may change; every other field is read-only. */
    writable: readonly string[];
    build(org: OrgState, input: Record<string, unknown>, ctx: OperationContext, existing?: T): T;
    beforeArchive?(org: OrgState, object: T): void;
  };
}

function assertOwnOrganization(org: OrgState, input: Record<string, unknown>): void {
  const given = input.organization as { guid: string } | undefined;
  if (given && given.guid !== org.organization.guid) {
    throw invalid('organization must be the organization of the path', 'organization');
  }
}

function undeclaredNames(extensions: unknown, declared: ReadonlySet<string>): string[] {
  if (typeof extensions !== 'object' || extensions === null) return [];
  return Object.keys(extensions).filter((name) => !declared.has(name.toLowerCase()));
}

/** Body extensions on create: undeclared ones are rejected (422) or dropped, per the mode. */
function acceptedExtensions(extensions: unknown, options: WriteOptions): Extensions | undefined {
  if (extensions === undefined) return undefined;
  const undeclared = undeclaredNames(extensions, options.declaredExtensions);
  if (undeclared.length > 0 && options.undeclaredExtensions === 'reject') {
    throw invalid(`Extension '${undeclared[0]}' is not declared in X-LP-Client-Extensions`, 'extensions');
  }
  return filterExtensions(extensions as Extensions, options.declaredExtensions);
}

/** Operations touching `/extensions/<undeclared>` are rejected (422) or dropped, per the mode. */
export function guardExtensionOperations(
  operations: readonly JsonPatchOperation[],
  options: WriteOptions,
): JsonPatchOperation[] {
  const touchesUndeclared = (pointer: string | undefined) => {
    const match = pointer === undefined ? null : /^\/extensions\/([^/]+)/.exec(pointer);
    return match?.[1] !== undefined && !options.declaredExtensions.has(match[1].toLowerCase());
  };
  const kept: JsonPatchOperation[] = [];
  for (const operation of operations) {
    if (touchesUndeclared(operation.path) || touchesUndeclared(operation.from)) {
      if (options.undeclaredExtensions === 'reject') {
        throw invalid(
          `Extension in '${operation.path}' is not declared in X-LP-Client-Extensions`,
          operation.path,
        );
      }
      continue;
    }
    kept.push(operation);
  }
  return kept;
}

/**
 * Applies a JSON Patch to the client's view of `stored` (undeclared extensions hidden), rejects changes
 * of read-only fields, and returns the writable fields of the result plus the extensions merged back.
 */
export function patchedWritableFields<T extends object>(
  stored: T,
  operations: readonly JsonPatchOperation[],
  writable: readonly string[],
  options: WriteOptions,
): Record<string, unknown> {
  const source = stored as Record<string, unknown>;
  const hasExtensions = typeof source.extensions === 'object' && source.extensions !== null;
  const visible = { ...source };
  if (hasExtensions)
    visible.extensions = filterExtensions(source.extensions as Extensions, options.declaredExtensions);
  const patched = applyJsonPatch(visible, guardExtensionOperations(operations, options));
  for (const key of new Set([...Object.keys(visible), ...Object.keys(patched)])) {
    if (writable.includes(key)) continue;
    if (!deepEqual(visible[key], patched[key])) throw invalid(`Field '${key}' cannot be changed`, key);
  }
  const fields = Object.fromEntries(
    writable.filter((key) => key in patched).map((key) => [key, patched[key]]),
  );
  if (hasExtensions) {
    const hidden = Object.fromEntries(
      Object.entries(source.extensions as Extensions).filter(
        ([name]) => !options.declaredExtensions.has(name.toLowerCase()),
      ),
    );
    fields.extensions = { ...(patched.extensions as Extensions | undefined), ...hidden };
  }
  return fields;
}

export function findIn<T extends ModelTail>(spec: CatalogSpec<T>, org: OrgState, guid: string): T {
  const found = spec.collection(org).get(guid);
  if (!found) throw notFound(`${spec.label} ${guid}`);
  return found;
}

export function createIn<T extends ModelTail>(
  spec: CatalogSpec<T>,
  org: OrgState,
  body: unknown,
  ctx: OperationContext,
  options: WriteOptions,
): T {
  if (!spec.write) throw new LifePosApiError(405, 'NotAllowed', `${spec.label} objects are read-only`);
  const input = parseInput(spec.write.schema, body, spec.label) as Record<string, unknown>;
  assertOwnOrganization(org, input);
  if (typeof input.guid === 'string' && spec.collection(org).has(input.guid)) {
    throw new LifePosApiError(422, 'Duplicate', `${spec.label} ${input.guid} already exists`, 'guid');
  }
  const extensions = acceptedExtensions(input.extensions, options);
  const created = spec.write.build(org, { ...input, extensions }, ctx);
  spec.collection(org).set(created.guid, created);
  return created;
}

export function patchIn<T extends ModelTail>(
  spec: CatalogSpec<T>,
  org: OrgState,
  guid: string,
  operations: readonly JsonPatchOperation[],
  ctx: OperationContext,
  options: WriteOptions,
): T {
  if (!spec.write) throw new LifePosApiError(405, 'NotAllowed', `${spec.label} objects are read-only`);
  const existing = findIn(spec, org, guid);
  if (existing.deleted_at !== null) throw archived(`${spec.label} ${guid}`);
  const fields = patchedWritableFields(existing, operations, spec.write.writable, options);
  const input = parseInput(spec.write.schema, fields, spec.label) as Record<string, unknown>;
  const updated = { ...spec.write.build(org, input, ctx, existing), updated_at: ctx.now() };
  spec.collection(org).set(guid, updated);
  return updated;
}

export function archiveIn<T extends ModelTail>(
  spec: CatalogSpec<T>,
  org: OrgState,
  guid: string,
  ctx: OperationContext,
): T {
  if (!spec.write) throw new LifePosApiError(405, 'NotAllowed', `${spec.label} objects are read-only`);
  const existing = findIn(spec, org, guid);
  if (existing.deleted_at !== null) throw archived(`${spec.label} ${guid}`);
  spec.write.beforeArchive?.(org, existing);
  const now = ctx.now();
  const updated = { ...existing, deleted_at: now, updated_at: now };
  spec.collection(org).set(guid, updated);
  return updated;
}

const commonOrder = ['created_at', 'updated_at'] as const;

function baseOf<T extends ModelTail>(
  typeOf: T['type_of'],
  input: Record<string, unknown>,
  ctx: OperationContext,
  existing: T | undefined,
): ModelTail {
  const base = existing ?? tail(typeOf, ctx.now(), input as { guid?: string });
  return {
    ...base,
    meta: (input.meta as string | null | undefined) ?? null,
    meta_data: (input.meta_data as Record<string, unknown> | null | undefined) ?? null,
  };
}

export const legalEntities: CatalogSpec<LegalEntity> = {
  segment: 'legal-entities',
  label: 'Legal entity',
  collection: (org) => org.legalEntities,
  list: {
    searchFields: ['juridical_name', 'inn', 'kpp', 'meta', 'meta_data'],
    orderFields: [...commonOrder, 'juridical_name'],
  },
  write: {
    schema: legalEntityInput,
    writable: [
      'juridical_name',
      'juridical_address',
      'inn',
      'kpp',
      'ogrn',
      'tax_systems',
      'meta',
      'meta_data',
    ],
    build: (org, input, ctx, existing) => ({
      ...baseOf('LegalEntity', input, ctx, existing),
      type_of: 'LegalEntity',
      juridical_name: input.juridical_name as string,
      juridical_address: input.juridical_address as string,
      inn: input.inn as string,
      kpp: (input.kpp as string | null | undefined) ?? null,
      ogrn: (input.ogrn as string | null | undefined) ?? null,
      tax_systems: input.tax_systems as LegalEntity['tax_systems'],
      organization: ref(org.organization),
    }),
  },
};

export const outlets: CatalogSpec<Outlet> = {
  segment: 'outlets',
  label: 'Outlet',
  collection: (org) => org.outlets,
  list: { searchFields: ['name', 'address', 'meta', 'meta_data'], orderFields: [...commonOrder, 'name'] },
  write: {
    schema: outletInput,
    writable: ['name', 'address', 'legal_entity', 'brand', 'extensions', 'meta', 'meta_data'],
    build: (org, input, ctx, existing) => {
      const brand = input.brand as { guid: string } | null | undefined;
      return {
        ...baseOf('Outlet', input, ctx, existing),
        type_of: 'Outlet',
        name: input.name as string,
        address: input.address as string,
        legal_entity: resolveReference(
          org,
          'legal_entity',
          'LegalEntity',
          input.legal_entity as { guid: string },
        ),
        // Brands have no endpoint in the material (G-9): the reference is kept as given.
        brand: brand ? { guid: brand.guid, type_of: 'Brand' } : null,
        organization: ref(org.organization),
        extensions: (input.extensions as Extensions | undefined) ?? existing?.extensions ?? {},
      };
    },
  },
};

function assertUniqueEmployee(org: OrgState, input: Record<string, unknown>, self: string | undefined): void {
  const username = String(input.username).toLowerCase();
  const phone = normalizePhone(String(input.phone));
  for (const other of org.employees.values()) {
    if (other.guid === self || other.deleted_at !== null) continue;
    if (other.username.toLowerCase() === username) {
      throw new LifePosApiError(
        422,
        'UsernameIsAlreadyTaken',
        `Username '${input.username}' is already taken`,
        'username',
      );
    }
    if (normalizePhone(other.phone) === phone) {
      throw new LifePosApiError(422, 'PhoneIsAlreadyTaken', `Phone ${input.phone} is already taken`, 'phone');
    }
  }
}

export const employees: CatalogSpec<Employee> = {
  segment: 'employees',
  label: 'Employee',
  collection: (org) => org.employees,
  list: {
    searchFields: ['name', 'username', 'phone', 'inn', 'email', 'meta', 'meta_data'],
    orderFields: [...commonOrder, 'name'],
  },
  write: {
    schema: employeeInput,
    writable: ['name', 'username', 'phone', 'role', 'inn', 'email', 'pin_code_hash', 'meta', 'meta_data'],
    build: (org, input, ctx, existing) => {
      assertUniqueEmployee(org, input, existing?.guid);
      const role = resolveReference(org, 'role', 'Role', input.role as { guid: string });
      if (existing && existing.guid === org.organization.owner?.guid && role.guid !== existing.role.guid) {
        throw new LifePosApiError(
          422,
          'NotAllowedForOwner',
          'The role of the owner cannot be changed',
          'role',
        );
      }
      return {
        ...baseOf('Employee', input, ctx, existing),
        type_of: 'Employee',
        name: input.name as string,
        username: input.username as string,
        phone: input.phone as string,
        role,
        inn: (input.inn as string | null | undefined) ?? null,
        email: (input.email as string | null | undefined) ?? null,
        pin_code_hash: (input.pin_code_hash as string | null | undefined) ?? null,
        organization: ref(org.organization),
      };
    },
    beforeArchive: (org, employee) => {
      if (employee.guid === org.organization.owner?.guid) {
        throw new LifePosApiError(422, 'NotAllowedForOwner', 'The owner cannot be archived');
      }
    },
  },
};

export const workplaces: CatalogSpec<Workplace> = {
  segment: 'workplaces',
  label: 'Workplace',
  collection: (org) => org.workplaces,
  list: {
    searchFields: ['number', 'name', 'meta', 'meta_data'],
    orderFields: [...commonOrder, 'number', 'name', 'workplace_type', 'activated_at'],
  },
  write: {
    schema: workplaceInput,
    writable: ['number', 'name', 'workplace_type', 'outlet', 'extensions', 'meta', 'meta_data'],
    build: (org, input, ctx, existing) => {
      const alive = [...org.workplaces.values()].filter(
        (w) => w.deleted_at === null && w.guid !== existing?.guid,
      );
      const number = (input.number as number | undefined) ?? Math.max(0, ...alive.map((w) => w.number)) + 1;
      if (alive.some((w) => w.number === number)) {
        throw new LifePosApiError(422, 'NotUnique', `Workplace number ${number} is already used`, 'number');
      }
      const outlet = input.outlet as { guid: string } | null | undefined;
      return {
        ...baseOf('Workplace', input, ctx, existing),
        type_of: 'Workplace',
        number,
        name: (input.name as string | null | undefined) ?? null,
        workplace_type: input.workplace_type as Workplace['workplace_type'],
        activated_at: existing?.activated_at ?? null,
        outlet: outlet ? resolveReference(org, 'outlet', 'Outlet', outlet) : null,
        organization: ref(org.organization),
        extensions: (input.extensions as Extensions | undefined) ?? existing?.extensions ?? {},
      };
    },
  },
};

export const roles: CatalogSpec<Role> = {
  segment: 'roles',
  label: 'Role',
  collection: (org) => org.roles,
  list: { searchFields: ['name', 'role_type', 'meta', 'meta_data'], orderFields: [...commonOrder, 'name'] },
};

export const uoms: CatalogSpec<Uom> = {
  segment: 'uoms',
  label: 'Unit of measure',
  collection: (org) => org.uoms,
  list: { searchFields: ['name', 'code', 'meta', 'meta_data'], orderFields: [...commonOrder, 'name'] },
};

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of specs, each typed at its definition
export const CATALOGS: readonly CatalogSpec<any>[] = [
  legalEntities,
  outlets,
  employees,
  workplaces,
  roles,
  uoms,
];
