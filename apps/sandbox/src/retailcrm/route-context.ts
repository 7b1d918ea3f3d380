import type { z } from 'zod';
import type { CrmAccount } from './account.js';
import {
  accessDenied,
  type CrmApiError,
  entityFormatErrors,
  inputErrors,
  parameterMissing,
} from './api-error.js';
import { type Params, paramString } from './bracket-params.js';
import { fieldErrors } from './order-input.js';
import type { Actor, OrderRecord } from './records.js';
import type { ApiKey, ScopeGroup } from './seed-schema.js';

/** One API method: real path (`:name` segments), verb, the scope group guarding it, and its handler. */
export interface ApiRoute {
  method: 'GET' | 'POST';
  path: string;
  /** Undefined for the unversioned utility methods, which any valid key may call. */
  scope?: ScopeGroup;
  handle(context: RouteContext): { status?: number; body: Record<string, unknown> };
}

export class RouteContext {
  constructor(
    readonly account: CrmAccount,
    readonly key: ApiKey,
    readonly query: Params,
    readonly body: Params,
    readonly params: Record<string, string>,
  ) {}

  get actor(): Actor {
    return { kind: 'api', apiKey: this.key.key };
  }

  /** A plain parameter from the form body, or else the query string (PHP's `$request->get()`). */
  param(name: string): string | undefined {
    return paramString(this.body[name]) ?? paramString(this.query[name]);
  }

  pathParam(name: string): string {
    return this.params[name] ?? '';
  }

  /** `by`: `externalId` unless told otherwise (docs/RETAILCRM-API.md, «One order»). */
  by(): 'id' | 'externalId' {
    const by = this.param('by') ?? 'externalId';
    if (by !== 'id' && by !== 'externalId')
      throw inputErrors({ by: 'The value you selected is not a valid choice.' });
    return by;
  }

  visibleSites(): string[] {
    return this.account.sitesFor(this.key);
  }

  /**
   * The `site` parameter, checked against the key's `siteAccess`. When `required` and absent, a key that sees
   * exactly one site uses it; otherwise `Parameter 'site' is missing` (docs/RETAILCRM-API.md, «One order»).
   */
  site(required: boolean): string | undefined {
    const site = this.param('site');
    const visible = this.visibleSites();
    if (site !== undefined) {
      if (!visible.includes(site)) throw accessDenied();
      return site;
    }
    if (!required) return undefined;
    if (visible.length === 1) return visible[0];
    throw parameterMissing('site');
  }

  assertOrderVisible(order: OrderRecord): void {
    if (!this.visibleSites().includes(order.site)) throw accessDenied();
  }

  /**
   * A form field carrying a JSON string (`order`, `payment`, `task` — docs/RETAILCRM-API.md, «POST bodies»).
   * Absent → `Parameter '<name>' is missing`; not a JSON object → `Errors in the entity format`
   * (docs/RETAILCRM-API.md, «POST bodies», assumed); wrong field types → the method's own "is not loaded"
   * error.
   */
  jsonField<S extends z.ZodType>(
    name: string,
    schema: S,
    invalid: (errors: Record<string, string> | string[]) => CrmApiError,
  ): z.output<S> {
    const raw = this.body[name];
    if (raw === undefined) throw parameterMissing(name);
    if (typeof raw !== 'string') throw entityFormatErrors({ [name]: 'This value should be of type string.' });
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw entityFormatErrors();
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw entityFormatErrors();
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error));
    return parsed.data;
  }
}
