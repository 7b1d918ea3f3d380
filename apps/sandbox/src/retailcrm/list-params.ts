import { inputErrors } from './api-error.js';
import { isParams, type Params, type ParamValue, paramList, paramString } from './bracket-params.js';
import { filterBound } from './crm-time.js';

/**
 * `limit`/`page` and `filter[...]` of the list methods. Symfony reports a bad filter value as
 * `{"children[<name>]":"This value is not valid."}` and unknown filter keys as a list error
 * (`errors: ["This form should not contain extra fields."]`), both under `Errors in the input parameters`.
 */
const ALLOWED_LIMITS = [20, 50, 100] as const;

export interface Page {
  limit: number;
  page: number;
}

export function readPage(query: Params): Page {
  const rawLimit = paramString(query.limit);
  const rawPage = paramString(query.page);
  const limit = rawLimit === undefined ? 20 : Number(rawLimit);
  const page = rawPage === undefined ? 1 : Number(rawPage);
  // docs/RETAILCRM-API.md, «Pagination», gap CRM-8: only 20, 50 and 100 are documented for these methods.
  if (!(ALLOWED_LIMITS as readonly number[]).includes(limit)) {
    throw inputErrors({ limit: 'The value you selected is not a valid choice.' });
  }
  if (!Number.isInteger(page) || page < 1)
    throw inputErrors({ page: 'This value should be greater than or equal to 1.' });
  return { limit, page };
}

export function paginate<T>(items: T[], { limit, page }: Page) {
  return {
    pagination: {
      limit,
      totalCount: items.length,
      currentPage: page,
      totalPageCount: Math.ceil(items.length / limit),
    },
    items: items.slice((page - 1) * limit, page * limit),
  };
}

/** Reads `filter[...]`, refusing keys outside `documented` and naming the ones the sandbox does not simulate. */
export class FilterReader {
  readonly filter: Params;

  constructor(query: Params, documented: readonly string[], simulated: readonly string[], name = 'filter') {
    const raw = query[name];
    if (raw !== undefined && !isParams(raw)) throw inputErrors({ [name]: 'This value is not valid.' });
    this.filter = raw ?? {};
    const keys = Object.keys(this.filter);
    if (keys.some((key) => !documented.includes(key)))
      throw inputErrors(['This form should not contain extra fields.']);
    const unsimulated = keys.filter((key) => !simulated.includes(key));
    if (unsimulated.length > 0) {
      throw inputErrors(
        Object.fromEntries(
          unsimulated.map((key) => [`children[${key}]`, 'Documented filter, not simulated by the sandbox.']),
        ),
      );
    }
  }

  private invalid(key: string): never {
    throw inputErrors({ [`children[${key}]`]: 'This value is not valid.' });
  }

  private value(key: string): ParamValue | undefined {
    const value = this.filter[key];
    return value === '' ? undefined : value;
  }

  string(key: string): string | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') this.invalid(key);
    return value;
  }

  choice(key: string, allowed: readonly string[]): string | undefined {
    const value = this.string(key);
    if (value !== undefined && !allowed.includes(value)) this.invalid(key);
    return value;
  }

  strings(key: string): string[] | undefined {
    const value = this.value(key);
    if (
      value !== undefined &&
      isParams(value) &&
      Object.values(value).some((item) => typeof item !== 'string')
    ) {
      this.invalid(key);
    }
    const list = paramList(value);
    return list && list.length > 0 ? list : undefined;
  }

  ints(key: string): number[] | undefined {
    const list = this.strings(key);
    if (list?.some((item) => !/^\d+$/.test(item))) this.invalid(key);
    return list?.map(Number);
  }

  int(key: string): number | undefined {
    const value = this.string(key);
    if (value !== undefined && !/^\d+$/.test(value)) this.invalid(key);
    return value === undefined ? undefined : Number(value);
  }

  number(key: string): number | undefined {
    const value = this.string(key);
    if (value !== undefined && !/^-?\d+(\.\d+)?$/.test(value)) this.invalid(key);
    return value === undefined ? undefined : Number(value);
  }

  /** Booleans in filters are `0`/`1` (docs/RETAILCRM-API.md, «GET query strings»). */
  bool(key: string): boolean | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (value === '1' || value === 'true') return true;
    if (value === '0' || value === 'false') return false;
    this.invalid(key);
  }

  /** A `Y-m-d` or `Y-m-d H:i:s` bound, as a comparable `Y-m-d H:i:s`. */
  date(key: string, edge: 'from' | 'to'): string | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    return filterBound(value, edge) ?? this.invalid(key);
  }

  map(key: string): Params | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (!isParams(value)) this.invalid(key);
    return value;
  }
}

/** `[from, to]` inclusive range check on `Y-m-d H:i:s` strings (dates compare as text). */
export function inRange(
  value: string | undefined,
  from: string | undefined,
  to: string | undefined,
): boolean {
  if (from === undefined && to === undefined) return true;
  if (value === undefined) return false;
  const comparable = value.length === 10 ? `${value} 00:00:00` : value;
  return (from === undefined || comparable >= from) && (to === undefined || comparable <= to);
}
