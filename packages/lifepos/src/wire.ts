import { z } from 'zod';

/**
 * Pieces shared by every LIFE POS model (docs/LIFEPOS-API.md, «Value objects»). Objects are loose: unknown
 * fields never break decoding; only the fields the connector uses are validated.
 */

/** `{ guid, type_of }`, expanded with `name` under `presentation=full`. */
export const wireReferenceSchema = z.looseObject({
  guid: z.string().min(1),
  name: z.string().nullish(),
});

export interface Reference {
  guid: string;
  name: string | undefined;
}

export function toReference(wire: z.infer<typeof wireReferenceSchema> | null | undefined): Reference | null {
  return wire ? { guid: wire.guid, name: wire.name ?? undefined } : null;
}

/** Input form of a reference: the guid is enough (docs/LIFEPOS-API.md, «Value objects»). */
export function ref(guid: string): { guid: string } {
  return { guid };
}

/** A model with a guid; some payloads (third-party, older builds) name it `id`. */
export function identified<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.preprocess(
    (value) => {
      if (typeof value !== 'object' || value === null) return value;
      const record = value as Record<string, unknown>;
      if (record.guid === undefined && (typeof record.id === 'string' || typeof record.id === 'number')) {
        return { ...record, guid: String(record.id) };
      }
      return value;
    },
    z.looseObject({ guid: z.string().min(1), ...shape }),
  );
}

/** Text that some builds send as a number (numbers of sales/workplaces, INN). */
export const textSchema = z.union([z.string(), z.number()]).transform(String);

export const timestampsShape = {
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  deleted_at: z.string().nullish(),
  meta: z.string().nullish(),
  meta_data: z.record(z.string(), z.unknown()).nullish(),
};

export interface Timestamps {
  createdAt: string | null;
  updatedAt: string | null;
  /** Set when archived ("moved to the archive"). */
  deletedAt: string | null;
  meta: string | null;
  metaData: Record<string, unknown> | null;
}

export function toTimestamps(wire: {
  created_at?: string | null | undefined;
  updated_at?: string | null | undefined;
  deleted_at?: string | null | undefined;
  meta?: string | null | undefined;
  meta_data?: Record<string, unknown> | null | undefined;
}): Timestamps {
  return {
    createdAt: wire.created_at ?? null,
    updatedAt: wire.updated_at ?? null,
    deletedAt: wire.deleted_at ?? null,
    meta: wire.meta ?? null,
    metaData: wire.meta_data ?? null,
  };
}

/**
 * List envelope `{ items, next_page_token, items_total, … }`; `items` may be null and the last page has an
 * empty or null token. A bare array is accepted too (money-document lists are not documented in v6).
 */
export function listEnvelopeSchema<Item extends z.ZodType>(item: Item) {
  return z.preprocess(
    (value) => (Array.isArray(value) ? { items: value } : value),
    z.looseObject({
      items: z.array(item).nullish(),
      next_page_token: z.string().nullish(),
      items_total: z.number().nullish(),
    }),
  );
}

export interface Page<T> {
  items: T[];
  /** Pass back as `pageToken` for the next page; undefined on the last page. */
  nextPageToken: string | undefined;
  itemsTotal: number | undefined;
}

export function toPage<W, T>(
  wire: {
    items?: W[] | null | undefined;
    next_page_token?: string | null | undefined;
    items_total?: number | null | undefined;
  },
  map: (item: W, index: number) => T,
): Page<T> {
  return {
    items: (wire.items ?? []).map(map),
    nextPageToken: wire.next_page_token ? wire.next_page_token : undefined,
    itemsTotal: wire.items_total ?? undefined,
  };
}

export type Selection = 'alive_only' | 'archived_only' | 'all';
export type Presentation = 'compact' | 'full';

/** Query of every list endpoint (docs/LIFEPOS-API.md, «List queries»). */
export interface ListParams {
  /** Free-text search (1–64 chars) over the resource's searchable fields, including `meta`. */
  query?: string;
  selection?: Selection;
  /** `<field>_asc` / `<field>_desc`. */
  orderBy?: string;
  pageToken?: string;
  itemsPerPage?: number;
  createdFrom?: Date | string;
  createdTo?: Date | string;
  updatedFrom?: Date | string;
  updatedTo?: Date | string;
}

export type QueryValue = string | number | boolean | Date | undefined;

export function isoDate(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : value;
}

export function encodeQuery(params: Record<string, QueryValue>): URLSearchParams {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    search.append(key, value instanceof Date ? value.toISOString() : String(value));
  }
  return search;
}

export function listQuery(params: ListParams = {}): Record<string, QueryValue> {
  return {
    query: params.query,
    selection: params.selection,
    order_by: params.orderBy,
    page_token: params.pageToken,
    items_per_page: params.itemsPerPage,
    created_from: params.createdFrom,
    created_to: params.createdTo,
    updated_from: params.updatedFrom,
    updated_to: params.updatedTo,
  };
}

export function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
