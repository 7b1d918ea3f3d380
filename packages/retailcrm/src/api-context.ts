import { kopecksToRubles, rublesToKopecks } from '@connector/domain';
import type { PageRequest } from './client-types.js';
import type { ApiCall } from './http-call.js';
import { formatRetailCrmDate } from './retailcrm-dates.js';

/** What every resource builder of the client shares (`client.ts` composes the builders). */
export interface CrmApi {
  call: ApiCall;
  /** The account's IANA time zone. */
  timeZone: string;
  /** `/api/v5` + path. */
  v5(path: string): string;
  /** An id as one escaped path segment. */
  segment(id: string | number): string;
  paging(page?: PageRequest): { page: number | undefined; limit: number | undefined };
  /** A date as the account's wall-clock text (docs/RETAILCRM-API.md, «Dates and time zone»). */
  date(value: Date | string | undefined, form: Parameters<typeof formatRetailCrmDate>[1]): string | undefined;
  /** Rubles rounded to whole kopecks, so float noise (0.1 + 0.2) never reaches the API. */
  rubles(value: number | undefined): number | undefined;
}

export function createCrmApi(call: ApiCall, timeZone: string): CrmApi {
  return {
    call,
    timeZone,
    v5: (path) => `/api/v5${path}`,
    segment: (id) => encodeURIComponent(String(id)),
    paging: (page) => ({ page: page?.page, limit: page?.limit }),
    date: (value, form) => (value === undefined ? undefined : formatRetailCrmDate(value, form, timeZone)),
    rubles: (value) => (value === undefined ? undefined : kopecksToRubles(rublesToKopecks(value))),
  };
}
