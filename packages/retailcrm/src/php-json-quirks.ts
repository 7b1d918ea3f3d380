import { z } from 'zod';

/**
 * Zod building blocks for the shapes RetailCRM's PHP backend produces. PHP arrays serialise to `[]` when
 * empty and to `{…}` when keyed, so the same field arrives as an object or an array depending on its
 * content; these blocks accept every variant and output one shape.
 */

/** A string that may be absent or `null`; output `string | undefined`. */
export const optionalString = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);

/** A number that may arrive as a numeric string (older API answers, custom fields). */
export const numeric = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(?:\.\d+)?$/)
    .transform(Number),
]);

export const optionalNumeric = numeric.nullish().transform((value) => value ?? undefined);

export const optionalBoolean = z
  .boolean()
  .nullish()
  .transform((value) => value ?? undefined);

/** A PHP map: `{…}`, or `[]` / `null` / absent when empty → always a plain object. */
export function phpMap<V extends z.ZodType>(value: V) {
  return z.preprocess(
    (input) =>
      input === null || input === undefined || (Array.isArray(input) && input.length === 0) ? {} : input,
    z.record(z.string(), value),
  );
}

/** A loose PHP object that arrives as `[]` (or `null`) when empty (e.g. `delivery.data`, `delivery.address`). */
export function phpObject<S extends z.ZodRawShape>(shape: S) {
  return z.preprocess(
    (input) => (input === null || (Array.isArray(input) && input.length === 0) ? {} : input),
    z.looseObject(shape),
  );
}

/**
 * A collection that arrives either as a JSON array or as an object keyed by id/code (`{"4326": {…}}`);
 * output is always an array. For keyed objects the key fills `keyField` when the item lacks it.
 */
export function keyedOrList<S extends z.ZodType>(item: S, keyField?: string) {
  return z.preprocess((input) => {
    if (input === null || input === undefined) return [];
    if (Array.isArray(input) || typeof input !== 'object') return input;
    return Object.entries(input).map(([key, value]) =>
      keyField && value !== null && typeof value === 'object' && !(keyField in value)
        ? { [keyField]: key, ...value }
        : value,
    );
  }, z.array(item));
}

/** `pagination` block of list answers; absent fields default so a short answer still pages correctly. */
export const paginationSchema = z
  .looseObject({
    limit: numeric.optional(),
    totalCount: numeric.optional(),
    currentPage: numeric.optional(),
    totalPageCount: numeric.optional(),
  })
  .transform((p) => ({
    limit: p.limit ?? 20,
    totalCount: p.totalCount ?? 0,
    currentPage: p.currentPage ?? 1,
    totalPageCount: p.totalPageCount ?? 1,
  }));

export type Pagination = z.output<typeof paginationSchema>;

export const defaultPagination: Pagination = { limit: 20, totalCount: 0, currentPage: 1, totalPageCount: 1 };
