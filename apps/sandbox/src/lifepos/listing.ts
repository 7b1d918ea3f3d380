import { createHash } from 'node:crypto';
import { invalid, LifePosApiError } from './errors.js';
import type { ModelTail } from './model.js';

/**
 * List endpoints (docs/LIFEPOS-API.md, «List queries», the envelope of «Value objects», paging gap G-13):
 * `selection`, `query` over the resource's searchable fields, date ranges, `order_by`, enum filters, and an
 * opaque `page_token`.
 */

export type QueryParams = Record<string, unknown>;

export interface ListSpec<T> {
  /**
   * Fields `query` searches (docs/LIFEPOS-API.md, «Resources»: differs per resource; always includes meta /
   * meta_data).
   */
  searchFields: readonly (keyof T & string)[];
  /** Fields allowed in `order_by=<field>_asc|_desc`. */
  orderFields: readonly (keyof T & string)[];
  /** Date-range filters beyond created/updated, e.g. `opened_at` for sales. */
  dateFields?: readonly (keyof T & string)[];
  /** Equality filters taking the field's enum values (G-13: parameters named like the fields). */
  enumFilters?: Partial<Record<keyof T & string, readonly string[]>>;
}

export interface ListEnvelope<T> {
  items: T[] | null;
  next_page_token: string | null;
  page_number: number;
  pages_total: number | null;
  items_per_page: number;
  items_total: number | null;
  type_of: 'List';
}

/** docs/LIFEPOS-API.md, gap G-13: default page size 50, max 100 (inferred). */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** Parameters that do not change which items a list holds (so they may vary between pages). */
const PAGING_PARAMS = new Set(['page_token', 'presentation', 'include_items_total']);

function single(params: QueryParams, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  throw invalid(`Query parameter '${name}' must be given once`, name);
}

function many(params: QueryParams, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value.split(',');
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw invalid(`Query parameter '${name}' is not valid`, name);
}

function dateParam(params: QueryParams, name: string): number | undefined {
  const value = single(params, name);
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw invalid(`Query parameter '${name}' must be an ISO-8601 date-time`, name);
  return time;
}

function searchableText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The filter part of the query, so a page token cannot be replayed against a different list. */
function fingerprint(params: QueryParams): string {
  const relevant = Object.keys(params)
    .filter((key) => !PAGING_PARAMS.has(key))
    .sort()
    .map((key) => [key, params[key]]);
  return createHash('sha256').update(JSON.stringify(relevant)).digest('base64url').slice(0, 16);
}

function encodeToken(offset: number, print: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: print })).toString('base64url');
}

function decodeToken(token: string, print: string): number {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof decoded === 'object' &&
      decoded !== null &&
      'o' in decoded &&
      'f' in decoded &&
      Number.isInteger(decoded.o) &&
      (decoded.o as number) >= 0
    ) {
      if (decoded.f !== print) throw invalid('page_token does not belong to this query', 'page_token');
      return decoded.o as number;
    }
  } catch (error) {
    if (error instanceof LifePosApiError) throw error;
  }
  throw invalid('page_token is not valid', 'page_token');
}

type Selection = 'alive_only' | 'archived_only' | 'all';
type DateRange = { field: string; from?: number; to?: number };
type EnumFilter = { field: string; values: string[] };

/** A list query as checked, in the order the API checks its parameters. */
interface ListQuery {
  selection: Selection;
  needle: string | undefined;
  ranges: DateRange[];
  enumFilters: EnumFilter[];
  orderField: string;
  direction: 1 | -1;
  pageSize: number;
  offset: number;
  print: string;
}

function selectionOf(params: QueryParams): Selection {
  const selection = single(params, 'selection') ?? 'alive_only';
  if (!['alive_only', 'archived_only', 'all'].includes(selection)) {
    throw invalid('selection must be one of alive_only, archived_only, all', 'selection');
  }
  return selection as Selection;
}

function needleOf(params: QueryParams): string | undefined {
  const query = single(params, 'query');
  if (query !== undefined && (query.length < 1 || query.length > 64)) {
    throw invalid('query must be 1 to 64 characters long', 'query');
  }
  return query?.toLowerCase();
}

function dateRanges<T extends ModelTail>(params: QueryParams, spec: ListSpec<T>): DateRange[] {
  const ranges: DateRange[] = [];
  for (const field of ['created_at', 'updated_at', ...(spec.dateFields ?? [])]) {
    const prefix = field === 'created_at' ? 'created' : field === 'updated_at' ? 'updated' : field;
    const from = dateParam(params, `${prefix}_from`);
    const to = dateParam(params, `${prefix}_to`);
    if (from !== undefined || to !== undefined) ranges.push({ field, from, to });
  }
  return ranges;
}

function enumFiltersOf<T extends ModelTail>(params: QueryParams, spec: ListSpec<T>): EnumFilter[] {
  const enumFilters: EnumFilter[] = [];
  for (const [field, allowed] of Object.entries(spec.enumFilters ?? {}) as [string, readonly string[]][]) {
    const values = many(params, field);
    if (values === undefined) continue;
    const wrong = values.find((value) => !allowed.includes(value));
    if (wrong !== undefined) throw invalid(`${field} must be one of ${allowed.join(', ')}`, field);
    enumFilters.push({ field, values });
  }
  return enumFilters;
}

function orderOf<T extends ModelTail>(
  params: QueryParams,
  spec: ListSpec<T>,
): { orderField: string; direction: 1 | -1 } {
  const orderBy = single(params, 'order_by') ?? 'created_at_asc';
  const orderMatch = /^(.+)_(asc|desc)$/.exec(orderBy);
  const orderField = orderMatch?.[1];
  if (
    !orderMatch ||
    orderField === undefined ||
    !(spec.orderFields as readonly string[]).includes(orderField)
  ) {
    throw invalid(
      `order_by must be one of ${spec.orderFields.flatMap((f) => [`${f}_asc`, `${f}_desc`]).join(', ')}`,
      'order_by',
    );
  }
  return { orderField, direction: orderMatch[2] === 'desc' ? -1 : 1 };
}

function pageSizeOf(params: QueryParams): number {
  const pageSizeText = single(params, 'items_per_page');
  const pageSize = pageSizeText === undefined ? DEFAULT_PAGE_SIZE : Number(pageSizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw invalid(`items_per_page must be an integer from 1 to ${MAX_PAGE_SIZE}`, 'items_per_page');
  }
  return pageSize;
}

function listQueryOf<T extends ModelTail>(params: QueryParams, spec: ListSpec<T>): ListQuery {
  const selection = selectionOf(params);
  const needle = needleOf(params);
  const ranges = dateRanges(params, spec);
  const enumFilters = enumFiltersOf(params, spec);
  const { orderField, direction } = orderOf(params, spec);
  const pageSize = pageSizeOf(params);
  const print = fingerprint(params);
  const token = single(params, 'page_token');
  const offset = token === undefined || token === '' ? 0 : decodeToken(token, print);
  return { selection, needle, ranges, enumFilters, orderField, direction, pageSize, offset, print };
}

/** The items the query selects, in its order. */
function matchingItems<T extends ModelTail>(all: Iterable<T>, q: ListQuery, spec: ListSpec<T>): T[] {
  const { selection, needle, ranges, enumFilters, orderField, direction } = q;
  return [...all]
    .filter((item) =>
      selection === 'all'
        ? true
        : selection === 'archived_only'
          ? item.deleted_at !== null
          : item.deleted_at === null,
    )
    .filter(
      (item) =>
        needle === undefined ||
        spec.searchFields.some((field) => searchableText(item[field]).toLowerCase().includes(needle)),
    )
    .filter((item) =>
      ranges.every(({ field, from, to }) => {
        const time = Date.parse(String((item as Record<string, unknown>)[field]));
        return (from === undefined || time >= from) && (to === undefined || time <= to);
      }),
    )
    .filter((item) =>
      enumFilters.every(({ field, values }) =>
        values.includes(String((item as Record<string, unknown>)[field])),
      ),
    )
    .sort((a, b) => {
      const left = (a as Record<string, unknown>)[orderField] as string | number;
      const right = (b as Record<string, unknown>)[orderField] as string | number;
      return (left < right ? -1 : left > right ? 1 : 0) * direction;
    });
}

export function listItems<T extends ModelTail>(
  all: Iterable<T>,
  params: QueryParams,
  spec: ListSpec<T>,
): ListEnvelope<T> {
  const q = listQueryOf(params, spec);
  const { offset, pageSize, print } = q;
  const matching = matchingItems(all, q, spec);
  const page = matching.slice(offset, offset + pageSize);
  const hasMore = offset + pageSize < matching.length;
  // C1 asks for `include_items_total=true`: the totals are only computed on request (inferred).
  const withTotals = single(params, 'include_items_total') === 'true';
  return {
    // The schema types `items` as nullable: an empty page comes back as null (docs/LIFEPOS-API.md,
    // «Value objects»).
    items: page.length > 0 ? page : null,
    next_page_token: hasMore ? encodeToken(offset + pageSize, print) : null,
    page_number: Math.floor(offset / pageSize) + 1,
    pages_total: withTotals ? Math.ceil(matching.length / pageSize) : null,
    items_per_page: pageSize,
    items_total: withTotals ? matching.length : null,
    type_of: 'List',
  };
}
