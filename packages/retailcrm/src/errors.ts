import { DeferredError, PermanentError, RetryableError } from '@connector/domain';

/** Which call failed; goes into every error's `details` so logs and tasks can name it. */
export interface RequestContext {
  method: 'GET' | 'POST';
  /** Path without the query string (queries may carry customer data; the key is never in the URL). */
  path: string;
  requestId: string;
}

/** The `code` of every error the client raises; branch on these (or the helpers below), never on text. */
export const RETAILCRM_ERROR_CODES = {
  validation: 'retailcrm.validation',
  /** The object (order, payment, task, …) is not in the account: 404 `Not found` / `Payment not found`. */
  notFound: 'retailcrm.not_found',
  methodNotFound: 'retailcrm.method_not_found',
  /** The API key is missing, wrong or inactive. */
  auth: 'retailcrm.auth',
  accessDenied: 'retailcrm.access_denied',
  accountNotFound: 'retailcrm.account_not_found',
  redirect: 'retailcrm.redirect',
  rejected: 'retailcrm.rejected',
  unexpectedResponse: 'retailcrm.unexpected_response',
  network: 'retailcrm.network',
  timeout: 'retailcrm.timeout',
  serverError: 'retailcrm.server_error',
  rateLimited: 'retailcrm.rate_limited',
  urlNotAllowed: 'retailcrm.url_not_allowed',
} as const;

export type RetailCrmErrorCode = (typeof RETAILCRM_ERROR_CODES)[keyof typeof RETAILCRM_ERROR_CODES];

export type RetailCrmPermanentCode = (typeof RETAILCRM_ERROR_CODES)[
  | 'validation'
  | 'notFound'
  | 'methodNotFound'
  | 'auth'
  | 'accessDenied'
  | 'accountNotFound'
  | 'redirect'
  | 'rejected'
  | 'unexpectedResponse'];

type RetailCrmUnavailableCode = (typeof RETAILCRM_ERROR_CODES)['network' | 'timeout' | 'serverError'];

/** What a person should do about each permanent failure (shown in the RetailCRM task). */
const ADVICE: Record<RetailCrmPermanentCode, string> = {
  'retailcrm.validation':
    'Проверьте данные заказа и коды справочников RetailCRM (статусы, типы и статусы оплат, магазины) в настройках коннектора.',
  'retailcrm.not_found': 'Объект не найден в RetailCRM: проверьте, что он существует и не был удалён.',
  'retailcrm.method_not_found':
    'Проверьте адрес RetailCRM в настройках коннектора: он должен быть вида https://<аккаунт>.retailcrm.ru без пути.',
  'retailcrm.auth': 'Проверьте API-ключ RetailCRM в настройках коннектора.',
  'retailcrm.access_denied':
    'API-ключу RetailCRM не хватает прав или доступа к магазину: добавьте нужные разрешения ключу в разделе «Интеграция → Ключи доступа к API».',
  'retailcrm.account_not_found':
    'Аккаунт RetailCRM не найден: проверьте адрес RetailCRM в настройках коннектора.',
  'retailcrm.redirect':
    'RetailCRM перенаправляет запросы на другой адрес: укажите в настройках коннектора актуальный адрес аккаунта.',
  'retailcrm.rejected': 'Проверьте настройки коннектора и данные заказа в RetailCRM.',
  'retailcrm.unexpected_response':
    'Ответ RetailCRM не соответствует ожидаемому формату; сообщите разработчикам коннектора.',
};

/**
 * RetailCRM refused the request and repeating it cannot help. Carries the API's own `errorMsg` and field
 * `errors` (`errors` lists are normalised to keys "0", "1", …) so the task tells a person what to fix.
 */
export class RetailCrmApiError extends PermanentError {
  /** HTTP status of the answer (2xx when the body said `success: false`). */
  readonly status: number;
  readonly errorMsg: string | undefined;
  readonly errors: Readonly<Record<string, string>>;

  constructor(
    code: RetailCrmPermanentCode,
    init: {
      status: number;
      context: RequestContext;
      errorMsg?: string | undefined;
      errors?: Record<string, string>;
      extra?: Record<string, unknown>;
    },
  ) {
    const { status, context, errorMsg, errors = {}, extra } = init;
    super(`RetailCRM ${context.method} ${context.path} failed with HTTP ${status}: ${errorMsg ?? code}`, {
      code,
      userMessage: permanentUserMessage(code, status, context, errorMsg, errors),
      details: { ...context, status, errorMsg, errors, ...extra },
    });
    this.status = status;
    this.errorMsg = errorMsg;
    this.errors = errors;
  }
}

/** A transient failure (network, timeout, 5xx): the queue retries with backoff. */
export class RetailCrmUnavailableError extends RetryableError {
  readonly status: number | undefined;

  constructor(
    code: RetailCrmUnavailableCode,
    init: { context: RequestContext; status?: number; errorMsg?: string; reason?: string; cause?: unknown },
  ) {
    const { context, status, errorMsg, reason, cause } = init;
    const what = status === undefined ? (reason ?? code) : `HTTP ${status}${errorMsg ? ` ${errorMsg}` : ''}`;
    super(`RetailCRM ${context.method} ${context.path} unavailable: ${what}`, {
      code,
      userMessage: `RetailCRM временно недоступен (${what}); запрос будет повторён автоматически.`,
      details: { ...context, status, errorMsg, reason },
      cause,
    });
    this.status = status;
  }
}

/** RetailCRM's rate limit answered (503 with the limit body, or 429): try again after `delayMs`. */
export class RetailCrmRateLimitError extends DeferredError {
  readonly status: number;

  constructor(init: { context: RequestContext; status: number; delayMs: number; errorMsg?: string }) {
    const { context, status, delayMs, errorMsg } = init;
    super(`RetailCRM ${context.method} ${context.path} rate limited (HTTP ${status})`, delayMs, {
      code: RETAILCRM_ERROR_CODES.rateLimited,
      userMessage: 'Превышен лимит запросов к RetailCRM; запрос будет выполнен позже.',
      details: { ...context, status, errorMsg, delayMs },
    });
    this.status = status;
  }
}

/** The configured RetailCRM address is refused by the SSRF guard; nothing was sent to it. */
export class RetailCrmUrlNotAllowedError extends PermanentError {
  readonly reason: string;

  constructor(reason: string, details: Record<string, unknown> = {}) {
    super(`RetailCRM URL not allowed: ${reason}`, {
      code: RETAILCRM_ERROR_CODES.urlNotAllowed,
      userMessage: `Адрес RetailCRM не разрешён: ${reason}. Укажите адрес аккаунта вида https://<аккаунт>.retailcrm.ru — без пути, параметров и логина.`,
      details: { reason, ...details },
    });
    this.reason = reason;
  }
}

function permanentUserMessage(
  code: RetailCrmPermanentCode,
  status: number,
  context: RequestContext,
  errorMsg: string | undefined,
  errors: Record<string, string>,
): string {
  const fields = Object.entries(errors).map(([field, message]) =>
    /^\d+$/.test(field) ? message : `${field}: ${message}`,
  );
  const answer = errorMsg ? `«${errorMsg}»` : `HTTP ${status}`;
  const fieldText = fields.length > 0 ? ` Ошибки: ${fields.join('; ')}.` : '';
  return `RetailCRM отклонил запрос ${context.method} ${context.path}: ${answer}.${fieldText} ${ADVICE[code]}`;
}

/** The code of an error the client raised, or undefined for anything else. */
export function retailCrmErrorCode(error: unknown): RetailCrmErrorCode | undefined {
  const known =
    error instanceof RetailCrmApiError ||
    error instanceof RetailCrmUnavailableError ||
    error instanceof RetailCrmRateLimitError ||
    error instanceof RetailCrmUrlNotAllowedError;
  return known ? (error.code as RetailCrmErrorCode) : undefined;
}

/** RetailCRM answered that the object is not in the account (not an unknown account or API path). */
export function isRetailCrmNotFound(error: unknown): boolean {
  return retailCrmErrorCode(error) === RETAILCRM_ERROR_CODES.notFound;
}

/** RetailCRM refused the API key (wrong or inactive key): the account itself answered. */
export function isRetailCrmAuthRefused(error: unknown): boolean {
  return retailCrmErrorCode(error) === RETAILCRM_ERROR_CODES.auth;
}
