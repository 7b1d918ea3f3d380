/**
 * Request encoding exactly as RetailCRM's PHP backend reads it (docs/RETAILCRM-API.md, «Request encoding»):
 * GET parameters in bracket notation (`filter[ids][]=1&filter[ids][]=2`, `filter[customFields][nps][min]=5`),
 * booleans as `1`/`0`; POST bodies `application/x-www-form-urlencoded` where each nested entity is one
 * field holding a JSON string (`order={"status":"new"}`) next to plain fields such as `by` and `site`.
 */

export type QueryScalar = string | number | boolean;
export type QueryValue =
  | QueryScalar
  | null
  | undefined
  | readonly QueryValue[]
  | { readonly [key: string]: QueryValue };

/** `{filter: {ids: [1, 2]}, limit: 50}` → `filter[ids][]=1&filter[ids][]=2&limit=50`. Nullish values are left out. */
export function encodeQuery(params: { readonly [key: string]: QueryValue }): string {
  const pairs: string[] = [];
  const visit = (path: readonly string[], value: QueryValue): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item: QueryValue, index) => {
        // Scalars use `[]`; objects inside a list need an index to keep their fields together.
        visit([...path, item !== null && typeof item === 'object' ? String(index) : ''], item);
      });
      return;
    }
    if (typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit([...path, key], item);
      return;
    }
    pairs.push(`${bracketKey(path)}=${encodeURIComponent(scalarText(value as QueryScalar))}`);
  };
  for (const [key, value] of Object.entries(params)) visit([key], value);
  return pairs.join('&');
}

export type FormValue = QueryScalar | undefined | null | object;

/**
 * POST body: scalars as plain fields, objects and arrays as one field with their JSON text.
 * `{by: 'id', order: {status: 'new'}}` → `by=id&order=%7B%22status%22%3A%22new%22%7D`.
 */
export function encodeForm(fields: { readonly [key: string]: FormValue }): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    form.append(key, typeof value === 'object' ? JSON.stringify(value) : scalarText(value));
  }
  return form.toString();
}

function bracketKey([head = '', ...rest]: readonly string[]): string {
  return encodeURIComponent(head) + rest.map((segment) => `[${encodeURIComponent(segment)}]`).join('');
}

function scalarText(value: QueryScalar): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`cannot encode ${value} for RetailCRM`);
  }
  return String(value);
}
