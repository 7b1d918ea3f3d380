import type { Extensions, Reference } from './model.js';

/**
 * How an object is shown to a client:
 * - `presentation=compact` (the default) leaves references as `{guid, type_of}`; `full` expands them with
 *   the referenced object's display fields (G-15; C1 asks for `full` to get an outlet's `name`).
 * - `extensions.X` is shown only when the client declares X in `X-LP-Client-Extensions` (docs/LIFEPOS-API.md,
 *   «Required headers», inferred, G-14).
 */

export type Presentation = 'compact' | 'full';

export interface ViewOptions {
  presentation: Presentation;
  declaredExtensions: ReadonlySet<string>;
}

/** Display fields copied into an expanded reference, per `type_of`. */
const DISPLAY_FIELDS: Record<string, readonly string[]> = {
  Organization: ['name', 'alias'],
  Role: ['name', 'role_type'],
  Uom: ['name', 'code'],
  LegalEntity: ['juridical_name', 'inn', 'kpp'],
  Outlet: ['name', 'address'],
  Employee: ['name', 'username', 'phone'],
  Workplace: ['number', 'name', 'workplace_type'],
  Sale: ['number', 'state', 'payment_status', 'shipping_status'],
  SalePayment: ['total_sum'],
};

export function parseDeclaredExtensions(header: string | undefined): Set<string> {
  return new Set(
    (header ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name.length > 0),
  );
}

export function filterExtensions(extensions: Extensions, declared: ReadonlySet<string>): Extensions {
  return Object.fromEntries(Object.entries(extensions).filter(([name]) => declared.has(name.toLowerCase())));
}

function isReference(value: unknown): value is Reference {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && keys.includes('guid') && keys.includes('type_of');
}

function expand(
  value: unknown,
  resolve: (reference: Reference) => Record<string, unknown> | undefined,
): unknown {
  if (Array.isArray(value)) return value.map((item) => expand(item, resolve));
  if (isReference(value)) {
    const target = resolve(value);
    const fields = DISPLAY_FIELDS[value.type_of];
    if (!target || !fields) return { ...value };
    return {
      ...value,
      ...Object.fromEntries(fields.map((field) => [field, structuredClone(target[field])])),
    };
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expand(item, resolve)]));
  }
  return value;
}

/** A deep copy of a stored object as the client sees it. */
export function view<T extends object>(
  object: T,
  options: ViewOptions,
  resolve: (reference: Reference) => Record<string, unknown> | undefined,
): T {
  const copy = structuredClone(object) as Record<string, unknown>;
  if (typeof copy.extensions === 'object' && copy.extensions !== null) {
    copy.extensions = filterExtensions(copy.extensions as Extensions, options.declaredExtensions);
  }
  if (options.presentation === 'compact') return copy as T;
  return Object.fromEntries(
    Object.entries(copy).map(([key, value]) => [key, key === 'guid' ? value : expand(value, resolve)]),
  ) as T;
}
