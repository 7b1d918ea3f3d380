import { createHash, randomUUID } from 'node:crypto';
import { PermanentError } from '@connector/domain';
import { createLogger, registerSecret } from '@connector/logger';
import { z } from 'zod';
import {
  type Employee,
  type EmployeeCreateInput,
  encodeEmployeeCreate,
  toEmployee,
  wireEmployeeSchema,
} from './employee.js';
import {
  errorForResponse,
  type LifePosFailure,
  LifePosPermanentError,
  LifePosRetryableError,
  parseApiErrorBody,
} from './errors.js';
import { DEFAULT_CLIENT_ID, DEFAULT_LANGUAGE, lifePosHeaders } from './headers.js';
import {
  createTransport,
  DEFAULT_TIMEOUTS,
  type HttpMethod,
  type HttpResponse,
  type LifePosTimeouts,
} from './http-transport.js';
import {
  type JsonPatchOperation,
  jsonPointer,
  NOTIFICATION_EXTENSION,
  type NotificationSubscriptionInput,
  subscribeNotificationsPatch,
  unsubscribeNotificationsPatch,
} from './json-patch.js';
import { type LegalEntity, toLegalEntity, wireLegalEntitySchema } from './legal-entity.js';
import type { LifePosLogger } from './logger.js';
import { type MoneyUnit, moneyCodec } from './money.js';
import {
  encodeRefundCreate,
  type Payment,
  type Refund,
  type RefundCreateInput,
  toPayment,
  toRefund,
  wireMoneyDocumentSchema,
} from './money-document.js';
import {
  type NotificationSubscription,
  type Organization,
  toOrganization,
  wireOrganizationSchema,
} from './organization.js';
import {
  encodeOutletCreate,
  type Outlet,
  type OutletCreateInput,
  toOutlet,
  wireOutletSchema,
} from './outlet.js';
import { type Role, toRole, wireRoleSchema } from './role.js';
import {
  encodeSaleCreate,
  type Sale,
  type SaleCreateInput,
  type SaleListParams,
  saleListQuery,
  toSale,
  wireSaleSchema,
} from './sale.js';
import { createTokenSession } from './token-session.js';
import type { TokenStore } from './token-store.js';
import { UnexpectedResponseError } from './unexpected-response.js';
import { toUnitOfMeasure, type UnitOfMeasure, wireUnitOfMeasureSchema } from './unit-of-measure.js';
import {
  encodeQuery,
  type ListParams,
  listEnvelopeSchema,
  listQuery,
  type Page,
  type Presentation,
  type QueryValue,
  toPage,
} from './wire.js';
import {
  encodeWorkplaceCreate,
  toWorkplace,
  type Workplace,
  type WorkplaceCreateInput,
  wireWorkplaceSchema,
} from './workplace.js';

/** The per-organization rate limiter (Redis sliding window in @connector/queue). May throw DeferredError. */
export interface RateLimiter {
  acquire(): Promise<void>;
}

export interface LifePosClientOptions {
  /** e.g. `https://api.life-pos.ru` (production) or `https://api-dev.life-pos.ru`; paths are unprefixed v6. */
  baseUrl: string;
  /** The organization guid (the `client_id` of RetailCRM triggers). */
  orgId: string;
  /** Phone and password of an Owner or Administrator employee. */
  phone: string;
  password: string;
  tokenStore: TokenStore;
  /** Key of this connection's token in the store. Default: derived from base URL, org and phone. */
  tokenKey?: string;
  /** How long a token is reused before signing in again (the API documents no TTL; a 401 renews earlier). */
  tokenTtlMs?: number;
  limiter?: RateLimiter;
  logger?: LifePosLogger;
  /** `X-LP-Client-Identifier`. */
  clientId?: string;
  /** `Accept-Language`: the language of the API's messages. Default `ru-RU`. */
  language?: string;
  timeouts?: Partial<LifePosTimeouts>;
  /** Unit of money `value` on the wire (gap G-8). Default `kopecks`. */
  moneyUnit?: MoneyUnit;
  /** `presentation` of reads and creates. Default `full` (references carry names). */
  presentation?: Presentation;
}

export const DEFAULT_TOKEN_TTL_MS = 12 * 60 * 60_000;

interface Call<T> {
  method: HttpMethod;
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  extensions?: readonly string[];
  /** Absent: the body is not read (204 No Content, or a body the caller does not need). */
  decode?: (json: unknown) => T;
}

export type LifePosClient = ReturnType<typeof createLifePosClient>;

export function createLifePosClient(options: LifePosClientOptions) {
  const baseUrl = new URL(options.baseUrl).toString();
  const orgId = options.orgId;
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const language = options.language ?? DEFAULT_LANGUAGE;
  const presentation = options.presentation ?? 'full';
  const limiter = options.limiter;
  const logger = options.logger ?? createLogger({ service: 'lifepos' });
  const money = moneyCodec(options.moneyUnit);
  const tokenKey =
    options.tokenKey ??
    `lifepos:token:${orgId}:${createHash('sha256').update(`${baseUrl}\n${options.phone}`).digest('hex').slice(0, 16)}`;
  // Defence in depth: even a careless log line elsewhere cannot print the password.
  registerSecret(options.password);

  const transport = createTransport({
    baseUrl,
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    logger,
  });
  const session = createTokenSession({
    store: options.tokenStore,
    key: tokenKey,
    ttlMs: options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
    signIn: signInByPhone,
    logger,
  });

  function failureOf(
    method: string,
    path: string,
    requestId: string,
    response: HttpResponse,
  ): LifePosFailure {
    return { method, path, requestId, status: response.status, api: parseApiErrorBody(response.body) };
  }

  function retryAfter(response: HttpResponse): string | undefined {
    const value = response.headers['retry-after'];
    return Array.isArray(value) ? value[0] : value;
  }

  async function send(
    method: HttpMethod,
    path: string,
    {
      query,
      body,
      token,
      extensions,
    }: { query?: URLSearchParams; body?: unknown; token?: string; extensions?: readonly string[] },
  ): Promise<{ response: HttpResponse; requestId: string }> {
    // Every HTTP call, sign-ins and the retry after a 401 included, spends a token of the tenant's budget.
    await limiter?.acquire();
    const requestId = randomUUID();
    const headers = lifePosHeaders({
      clientId,
      language,
      requestId,
      token,
      extensions,
      json: body !== undefined,
    });
    const response = await transport.send({ method, path, query, body, headers, requestId });
    return { response, requestId };
  }

  async function signInByPhone(): Promise<string> {
    const path = '/auth/sign-in-by-phone';
    const { response, requestId } = await send('POST', path, {
      body: { phone: options.phone, password: options.password },
    });
    const failure = failureOf('POST', path, requestId, response);
    if (response.status >= 200 && response.status < 300) {
      const parsed = z.looseObject({ token: z.string().nullish() }).safeParse(parseJson(response.body));
      const token = parsed.success ? parsed.data.token : undefined;
      if (!token) {
        throw new LifePosRetryableError('LIFE POS sign-in answered without a token', failure, {
          code: 'lifepos.auth.no_token',
        });
      }
      logger.info('lifepos signed in', { requestId, tokenKey, orgId });
      return token;
    }
    const limited = response.status === 429 || failure.api?.code === 'TooManyRequests';
    if (response.status >= 400 && response.status < 500 && !limited && response.status !== 408) {
      const said = failure.api?.message ?? failure.api?.code ?? `HTTP ${response.status}`;
      throw new LifePosPermanentError(`LIFE POS sign-in by phone was rejected: ${said}`, failure, {
        code: 'lifepos.auth.invalid_credentials',
        userMessage:
          `LIFE POS did not accept the employee phone and password from the connector settings (LIFE POS said: ${said}). ` +
          'Enter the phone and password of an active Owner or Administrator employee of the organization and save the settings again.',
      });
    }
    throw errorForResponse(failure, retryAfter(response));
  }

  async function call<T>(spec: Call<T>): Promise<T> {
    const query = spec.query === undefined ? undefined : encodeQuery(spec.query);
    const request = { query, body: spec.body, extensions: spec.extensions };
    let current = await session.current();
    let { response, requestId } = await send(spec.method, spec.path, { ...request, token: current.token });
    if (response.status === 401 && !current.fresh) {
      // The cached token expired or was revoked: one renewal (shared with concurrent callers), one retry.
      logger.info('lifepos token refused, signing in again', {
        requestId,
        method: spec.method,
        path: spec.path,
      });
      current = await session.renew(current.token);
      ({ response, requestId } = await send(spec.method, spec.path, { ...request, token: current.token }));
    }
    const failure = failureOf(spec.method, spec.path, requestId, response);
    if (response.status < 200 || response.status >= 300)
      throw errorForResponse(failure, retryAfter(response));
    if (spec.decode === undefined) return undefined as T;
    const json = parseJson(response.body);
    if (json === undefined) {
      // A cut or proxied body on a success status: transient more often than not.
      throw new LifePosRetryableError(
        `LIFE POS answered ${spec.method} ${spec.path} with a body that is not JSON`,
        failure,
        {
          code: 'lifepos.invalid_json',
        },
      );
    }
    try {
      return spec.decode(json);
    } catch (error) {
      const issues =
        error instanceof z.ZodError
          ? error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
          : error instanceof UnexpectedResponseError
            ? error.issues
            : undefined;
      if (issues === undefined) throw error;
      logger.warn('lifepos unexpected response', { requestId, method: spec.method, path: spec.path, issues });
      throw new LifePosPermanentError(
        `LIFE POS answered ${spec.method} ${spec.path} with an unexpected body: ${issues.join('; ')}`,
        { ...failure, api: undefined },
        { code: 'lifepos.unexpected_response' },
      );
    }
  }

  /** Input that cannot be encoded (fractional kopecks, …) is a bug upstream of the client: retrying cannot help. */
  function encode<T>(what: string, build: () => T): T {
    try {
      return build();
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new PermanentError(`Cannot send ${what} to LIFE POS: ${error.message}`, {
        code: 'lifepos.invalid_input',
      });
    }
  }

  const org = (...segments: string[]) =>
    ['/orgs', orgId, ...segments].map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');

  function one<W, T>(
    path: string,
    schema: z.ZodType<W>,
    map: (wire: W) => T,
    extensions?: readonly string[],
  ) {
    return call({
      method: 'GET',
      path,
      query: { presentation },
      extensions,
      decode: (json) => map(schema.parse(json)),
    });
  }

  function list<W, T>(
    path: string,
    schema: z.ZodType<W>,
    map: (wire: W) => T,
    query: Record<string, QueryValue>,
  ) {
    const envelope = listEnvelopeSchema(schema);
    return call<Page<T>>({
      method: 'GET',
      path,
      query: { presentation, ...query },
      decode: (json) => toPage(envelope.parse(json), (item) => map(item)),
    });
  }

  function create<W, T>(path: string, body: unknown, schema: z.ZodType<W>, map: (wire: W) => T) {
    return call({
      method: 'POST',
      path,
      query: { presentation },
      body,
      decode: (json) => map(schema.parse(json)),
    });
  }

  async function patch(
    path: string,
    operations: JsonPatchOperation[],
    extensions?: readonly string[],
  ): Promise<void> {
    if (operations.length === 0) return;
    await call<void>({ method: 'PATCH', path, body: operations, extensions });
  }

  const sale = (wire: z.infer<typeof wireSaleSchema>) => toSale(wire, money);
  const payment = (wire: z.infer<typeof wireMoneyDocumentSchema>) => toPayment(wire, money);
  const refund = (wire: z.infer<typeof wireMoneyDocumentSchema>) => toRefund(wire, money);
  const saleDocs = (saleGuid: string, ...segments: string[]) =>
    org('deals', 'sales', saleGuid, 'docs', 'money', ...segments);

  const sales = {
    /** 201 with the sale. A repeat with the same `guid` fails with API code `Duplicate`. */
    create: (input: SaleCreateInput): Promise<Sale> =>
      create(
        org('deals', 'sales'),
        encode('the sale', () => encodeSaleCreate(input, money)),
        wireSaleSchema,
        sale,
      ),
    /** Archived sales are returned too (`archived: true`). */
    get: (guid: string): Promise<Sale> => one(org('deals', 'sales', guid), wireSaleSchema, sale),
    list: (params: SaleListParams = {}): Promise<Page<Sale>> =>
      list(org('deals', 'sales'), wireSaleSchema, sale, saleListQuery(params)),
    /** Every sale matching `params`, page after page (`page_token`). */
    async *iterate(params: SaleListParams = {}): AsyncGenerator<Sale, void, undefined> {
      const seen = new Set<string>();
      let pageToken = params.pageToken;
      do {
        const page = await sales.list({ ...params, pageToken });
        yield* page.items;
        pageToken = page.nextPageToken;
        if (pageToken !== undefined && seen.has(pageToken)) {
          throw new PermanentError('LIFE POS returned a page token it had already returned; paging stopped', {
            code: 'lifepos.paging_loop',
          });
        }
        if (pageToken !== undefined) seen.add(pageToken);
      } while (pageToken !== undefined);
    },
    /** JSON Patch, all or nothing; 204. */
    patch: (guid: string, operations: JsonPatchOperation[]): Promise<void> =>
      patch(org('deals', 'sales', guid), operations),
    /** Cancel is allowed only while the sale is `New` (docs/LIFEPOS-API.md, «Transition rules»). */
    cancel: (guid: string): Promise<void> =>
      patch(org('deals', 'sales', guid), [{ op: 'replace', path: jsonPointer('state'), value: 'Cancelled' }]),
    /** "Move to the archive": DELETE sets `deleted_at`; the sale stays readable. */
    archive: (guid: string): Promise<void> =>
      call<void>({ method: 'DELETE', path: org('deals', 'sales', guid) }),
  };

  const notifications = {
    /** The current `notification_service` extension, or null when none is set. */
    get: (): Promise<NotificationSubscription | null> =>
      one(org(), wireOrganizationSchema, (wire) => toOrganization(wire).notificationService ?? null, [
        NOTIFICATION_EXTENSION,
      ]),
    /** Points LIFE POS notifications at `url` (idempotent). */
    subscribe: (input: NotificationSubscriptionInput): Promise<void> =>
      patch(org(), subscribeNotificationsPatch(input), [NOTIFICATION_EXTENSION]),
    /** Turns notifications off; a no-op when they are not on (a `replace` of a missing path would fail). */
    async unsubscribe(): Promise<void> {
      const current = await notifications.get();
      if (!current?.turnedOn) return;
      await patch(org(), unsubscribeNotificationsPatch(), [NOTIFICATION_EXTENSION]);
    },
  };

  return {
    orgId,
    tokenKey,
    /** Signs in now (e.g. to check the credentials of the settings form) and caches the token. */
    async signIn(): Promise<void> {
      await session.signIn();
    },
    orgs: {
      list: (params: ListParams = {}): Promise<Page<Organization>> =>
        list('/orgs', wireOrganizationSchema, toOrganization, listQuery(params)),
      get: (guid: string = orgId): Promise<Organization> =>
        one(
          guid === orgId ? org() : `/orgs/${encodeURIComponent(guid)}`,
          wireOrganizationSchema,
          toOrganization,
        ),
      /** The signed-in employee (and so its role) in this organization. */
      me: (): Promise<Employee> => one(org('me'), wireEmployeeSchema, toEmployee),
    },
    notifications,
    legalEntities: {
      list: (params: ListParams = {}): Promise<Page<LegalEntity>> =>
        list(org('legal-entities'), wireLegalEntitySchema, toLegalEntity, listQuery(params)),
      get: (guid: string): Promise<LegalEntity> =>
        one(org('legal-entities', guid), wireLegalEntitySchema, toLegalEntity),
    },
    outlets: {
      list: (params: ListParams = {}): Promise<Page<Outlet>> =>
        list(org('outlets'), wireOutletSchema, toOutlet, listQuery(params)),
      get: (guid: string): Promise<Outlet> => one(org('outlets', guid), wireOutletSchema, toOutlet),
      create: (input: OutletCreateInput): Promise<Outlet> =>
        create(org('outlets'), encodeOutletCreate(input), wireOutletSchema, toOutlet),
      patch: (guid: string, operations: JsonPatchOperation[]): Promise<void> =>
        patch(org('outlets', guid), operations),
    },
    employees: {
      list: (params: ListParams = {}): Promise<Page<Employee>> =>
        list(org('employees'), wireEmployeeSchema, toEmployee, listQuery(params)),
      create: (input: EmployeeCreateInput): Promise<Employee> =>
        create(org('employees'), encodeEmployeeCreate(input), wireEmployeeSchema, toEmployee),
      patch: (guid: string, operations: JsonPatchOperation[]): Promise<void> =>
        patch(org('employees', guid), operations),
    },
    roles: {
      list: (params: ListParams = {}): Promise<Page<Role>> =>
        list(org('roles'), wireRoleSchema, toRole, listQuery(params)),
    },
    unitsOfMeasure: {
      list: (params: ListParams = {}): Promise<Page<UnitOfMeasure>> =>
        list(org('uoms'), wireUnitOfMeasureSchema, toUnitOfMeasure, listQuery(params)),
    },
    workplaces: {
      list: (params: ListParams = {}): Promise<Page<Workplace>> =>
        list(org('workplaces'), wireWorkplaceSchema, toWorkplace, listQuery(params)),
      create: (input: WorkplaceCreateInput): Promise<Workplace> =>
        create(org('workplaces'), encodeWorkplaceCreate(input), wireWorkplaceSchema, toWorkplace),
    },
    sales,
    money: {
      listPayments: (saleGuid: string, params: ListParams = {}): Promise<Page<Payment>> =>
        list(saleDocs(saleGuid, 'payments'), wireMoneyDocumentSchema, payment, listQuery(params)),
      getPayment: (saleGuid: string, guid: string): Promise<Payment> =>
        one(saleDocs(saleGuid, 'payments', guid), wireMoneyDocumentSchema, payment),
      listRefunds: (saleGuid: string, params: ListParams = {}): Promise<Page<Refund>> =>
        list(saleDocs(saleGuid, 'refunds'), wireMoneyDocumentSchema, refund, listQuery(params)),
      getRefund: (saleGuid: string, guid: string): Promise<Refund> =>
        one(saleDocs(saleGuid, 'refunds', guid), wireMoneyDocumentSchema, refund),
      /** Refunds (part of) a payment of the sale; total = cash + card. */
      createRefund: (saleGuid: string, input: RefundCreateInput): Promise<Refund> =>
        create(
          saleDocs(saleGuid, 'refunds'),
          encode('the refund', () => encodeRefundCreate(input, money)),
          wireMoneyDocumentSchema,
          refund,
        ),
    },
  };
}

function parseJson(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
