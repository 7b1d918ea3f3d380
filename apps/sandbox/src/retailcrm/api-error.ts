import { STATUS_CODES } from 'node:http';

/**
 * The RetailCRM error envelope `{"success":false,"errorMsg":…,"errors":…}` with the exact strings of
 * docs/RETAILCRM-API.md, «Responses and errors». `errors` is usually an object keyed by field, sometimes a
 * list.
 */
export type ApiErrorDetails = Record<string, string> | string[];

export interface ApiErrorBody {
  success: false;
  errorMsg: string;
  errors?: ApiErrorDetails;
}

export class CrmApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorMsg: string,
    readonly errors?: ApiErrorDetails,
  ) {
    super(errorMsg);
    this.name = 'CrmApiError';
  }

  body(): ApiErrorBody {
    return this.errors === undefined
      ? { success: false, errorMsg: this.errorMsg }
      : { success: false, errorMsg: this.errorMsg, errors: this.errors };
  }
}

// docs/RETAILCRM-API.md, gap CRM-1 leaves 401 vs 403 open; the Go client's tests use 403 for a wrong key, so
// every auth error is 403.
export const apiKeyMissing = () => new CrmApiError(403, '"apiKey" is missing.');
export const wrongApiKey = () => new CrmApiError(403, 'Wrong "apiKey" value.');
export const accessDenied = () => new CrmApiError(403, 'Access denied.');
export const notFound = () => new CrmApiError(404, 'Not found');
export const paymentNotFound = () => new CrmApiError(404, 'Payment not found');
export const apiMethodNotFound = () => new CrmApiError(404, 'API method not found');
export const methodNotAllowed = () => new CrmApiError(405, 'Method Not Allowed');
export const parameterMissing = (name: string) => new CrmApiError(400, `Parameter '${name}' is missing`);
export const inputErrors = (errors: ApiErrorDetails) =>
  new CrmApiError(400, 'Errors in the input parameters', errors);
export const entityFormatErrors = (errors?: ApiErrorDetails) =>
  new CrmApiError(400, 'Errors in the entity format', errors);
export const orderNotLoaded = (errors: ApiErrorDetails) =>
  new CrmApiError(400, 'Order is not loaded', errors);
export const taskNotLoaded = (errors: ApiErrorDetails) => new CrmApiError(400, 'Task is not loaded', errors);

export const RATE_LIMIT_BODY: ApiErrorBody = { success: false, errorMsg: 'Rate limit exceeded' };

/** Body of a fault injected by the shared FaultInjector, in this API's envelope. */
export function faultErrorBody(status: number): ApiErrorBody {
  if (status === 503 || status === 429) return RATE_LIMIT_BODY;
  if (status === 404) return notFound().body();
  return { success: false, errorMsg: STATUS_CODES[status] ?? `HTTP ${status}` };
}

/**
 * `"OrderType" with "code"="eshop-individual" does not exist.` (docs/RETAILCRM-API.md, source R2 and gap
 * CRM-12).
 */
export function doesNotExist(entity: string, key: 'code' | 'id', value: string | number): string {
  return `"${entity}" with "${key}"="${value}" does not exist.`;
}

/**
 * What nginx answers for a host without an account (docs/RETAILCRM-API.md, «Responses and errors»): HTTP 405
 * with an HTML page.
 */
export const UNKNOWN_ACCOUNT_HTML = `<html>
<head><title>405 Not Allowed</title></head>
<body>
<center><h1>405 Not Allowed</h1></center>
<hr><center>nginx</center>
</body>
</html>
`;
