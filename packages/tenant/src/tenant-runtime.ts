import type {
  ConnectionRecord,
  ConnectionSettings,
  Database,
  NewOrderEvent,
  OrderTrigger,
} from '@connector/db';
import { PermanentError } from '@connector/domain';
import { createLifePosClient, type LifePosClient, type TokenStore } from '@connector/lifepos';
import type { Logger } from '@connector/logger';
import { lifeposRateKey, type RateBucket, type RateLimiter, retailcrmRateKey } from '@connector/queue';
import { createRetailCrmClient, type RetailCrmClient } from '@connector/retailcrm';
import { CONNECTION_ERROR_CODES } from './connection-errors.js';

/**
 * Everything a job needs to act for one tenant: its connection (secrets decrypted), settings, the two
 * API clients (rate-limited per upstream account across all processes, LIFE POS tokens shared through
 * Redis) and its order timelines. Jobs carry only the connection id; this turns it into a tenant.
 */
export interface Tenant {
  connection: ConnectionRecord;
  settings: ConnectionSettings;
  retailcrm: RetailCrmClient;
  lifepos: LifePosClient;
  /** The rate buckets the two clients draw from (shared by every process), e.g. to wait for headroom. */
  limits: { retailcrm: RateBucket; lifepos: RateBucket };
  /** The tenant's order timelines: what people read on an order's page (never what decisions read). */
  timeline: { append(orderId: number, event: NewOrderEvent): Promise<void> };
  /** Records that a trigger of the order was received (the typed fact reconciliation reads, `OrderMark`). */
  triggerReceived(orderId: number, trigger: OrderTrigger, receivedAt: Date): Promise<void>;
}

export interface TenantRuntimeOptions {
  db: Database;
  limiter: RateLimiter;
  tokenStore: TokenStore;
  lifeposApiUrl: string;
  retailcrmAllowedHosts: readonly string[];
  logger: Logger;
  /** `X-LP-Client-Identifier` of this deployment. */
  lifeposClientId?: string;
  /** Connections whose clients are kept between jobs (the most recently used). Default 500. */
  cachedTenants?: number;
}

/**
 * The clients of one connection weigh ~45 kB (measured: two got instances, loggers, rate buckets): a
 * worker serving 10,000 connections would need ~450 MB to keep them all, so only the recently used are.
 */
export const DEFAULT_CACHED_TENANTS = 500;

export interface OpenOptions {
  /** Refuse (permanently) a connection that is not active. Default true. */
  requireActive?: boolean;
}

export interface TenantRuntime {
  open(connectionId: string, options?: OpenOptions): Promise<Tenant>;
  /** Builds clients for a connection that is not stored (yet), e.g. the settings form's checks. */
  clientsFor(connection: ConnectionRecord): Pick<Tenant, 'retailcrm' | 'lifepos' | 'limits'>;
}

export function createTenantRuntime(options: TenantRuntimeOptions): TenantRuntime {
  const { db, limiter, logger, cachedTenants = DEFAULT_CACHED_TENANTS } = options;
  // Clients keep keep-alive agents and single-flight sign-ins: reuse them while the connection is unchanged.
  const cache = new Map<
    string,
    { version: number; clients: Pick<Tenant, 'retailcrm' | 'lifepos' | 'limits'> }
  >();

  function clientsFor(connection: ConnectionRecord): Pick<Tenant, 'retailcrm' | 'lifepos' | 'limits'> {
    const { rateLimits } = connection.settings;
    const retailcrmHost = new URL(connection.retailcrmUrl).host;
    const limits = {
      retailcrm: limiter.bucket(retailcrmRateKey(retailcrmHost), {
        perSecond: rateLimits.retailcrmPerSecond,
      }),
      lifepos: limiter.bucket(lifeposRateKey(connection.lifeposOrgId), {
        perSecond: rateLimits.lifeposPerSecond,
      }),
    };
    return {
      limits,
      retailcrm: createRetailCrmClient({
        baseUrl: connection.retailcrmUrl,
        apiKey: connection.retailcrmApiKey,
        allowedHosts: [...options.retailcrmAllowedHosts],
        limiter: limits.retailcrm,
        logger: logger.child({ upstream: 'retailcrm', connectionId: connection.id }),
        // The account's zone as its last check read it: RetailCRM dates are its wall clock.
        ...(connection.retailcrmTimeZone ? { timeZone: connection.retailcrmTimeZone } : {}),
      }),
      lifepos: createLifePosClient({
        baseUrl: options.lifeposApiUrl,
        orgId: connection.lifeposOrgId,
        phone: connection.lifeposPhone,
        password: connection.lifeposPassword,
        tokenStore: options.tokenStore,
        tokenKey: `lifepos:${connection.id}`,
        limiter: limits.lifepos,
        logger: logger.child({ upstream: 'lifepos', connectionId: connection.id }),
        ...(options.lifeposClientId ? { clientId: options.lifeposClientId } : {}),
      }),
    };
  }

  return {
    clientsFor,
    async open(connectionId, { requireActive = true } = {}) {
      const connection = await db.connections.get(connectionId);
      if (!connection) {
        throw new PermanentError(`connection ${connectionId} does not exist`, {
          code: CONNECTION_ERROR_CODES.missing,
          userMessage: 'Подключение удалено: задание больше не может быть выполнено.',
        });
      }
      if (requireActive && connection.status !== 'active') {
        throw new PermanentError(`connection ${connectionId} is ${connection.status}`, {
          code: CONNECTION_ERROR_CODES.inactive,
          userMessage: `Подключение к LIFE POS не активно (${connection.status}${connection.disabledReason ? `: ${connection.disabledReason}` : ''}). Проверьте настройки коннектора.`,
        });
      }
      const version = connection.updatedAt.getTime();
      let cached = cache.get(connectionId);
      if (!cached || cached.version !== version) {
        cached = { version, clients: clientsFor(connection) };
      }
      // A Map iterates in insertion order: re-inserting on every use keeps the least recent first.
      cache.delete(connectionId);
      cache.set(connectionId, cached);
      if (cache.size > cachedTenants) cache.delete(cache.keys().next().value as string);
      return {
        connection,
        settings: connection.settings,
        ...cached.clients,
        timeline: {
          append: async (orderId, event) => {
            await db.orderEvents.append(connectionId, orderId, event);
          },
        },
        triggerReceived: (retailcrmOrderId, trigger, receivedAt) =>
          db.orderMarks.triggersReceived([{ connectionId, retailcrmOrderId, trigger, receivedAt }]),
      };
    },
  };
}
