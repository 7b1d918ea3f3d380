import { createHash } from 'node:crypto';
import { createLogger, registerSecret } from '@connector/logger';
import { createApiContext } from './api-context.js';
import { directoryApi, organizationsApi } from './directory-api.js';
import { DEFAULT_CLIENT_ID, DEFAULT_LANGUAGE } from './headers.js';
import { createTransport, DEFAULT_TIMEOUTS, type LifePosTimeouts } from './http-transport.js';
import type { LifePosLogger } from './logger.js';
import { type MoneyUnit, moneyCodec } from './money.js';
import type { Connection, RateLimiter } from './request.js';
import { moneyApi, notificationsApi, salesApi } from './sales-api.js';
import { signInByPhone } from './sign-in.js';
import { createTokenSession } from './token-session.js';
import type { TokenStore } from './token-store.js';
import type { Presentation } from './wire.js';

export type { RateLimiter } from './request.js';

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

export type LifePosClient = ReturnType<typeof createLifePosClient>;

/** The token's key in the store: per base URL, organization and employee phone. */
function defaultTokenKey(baseUrl: string, orgId: string, phone: string): string {
  const digest = createHash('sha256').update(`${baseUrl}\n${phone}`).digest('hex').slice(0, 16);
  return `lifepos:token:${orgId}:${digest}`;
}

/**
 * A LIFE POS v6 client for one organization, composed of per-resource builders over one signed
 * connection. Errors are classified (`errors.ts`); every list has the guarded pager (`paging.ts`).
 */
export function createLifePosClient(options: LifePosClientOptions) {
  const baseUrl = new URL(options.baseUrl).toString();
  const orgId = options.orgId;
  const logger = options.logger ?? createLogger({ service: 'lifepos' });
  const tokenKey = options.tokenKey ?? defaultTokenKey(baseUrl, orgId, options.phone);
  // Defence in depth: even a careless log line elsewhere cannot print the password.
  registerSecret(options.password);

  const connection: Connection = {
    transport: createTransport({ baseUrl, timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts }, logger }),
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    language: options.language ?? DEFAULT_LANGUAGE,
    limiter: options.limiter,
    logger,
  };
  const session = createTokenSession({
    store: options.tokenStore,
    key: tokenKey,
    ttlMs: options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
    signIn: () => signInByPhone(connection, options, { tokenKey, orgId }),
    logger,
  });
  const api = createApiContext(connection, session, {
    orgId,
    presentation: options.presentation ?? 'full',
    money: moneyCodec(options.moneyUnit),
  });

  return {
    orgId,
    tokenKey,
    /** Signs in now (e.g. to check the credentials of the settings form) and caches the token. */
    async signIn(): Promise<void> {
      await session.signIn();
    },
    orgs: organizationsApi(api),
    notifications: notificationsApi(api),
    ...directoryApi(api),
    sales: salesApi(api),
    money: moneyApi(api),
  };
}
