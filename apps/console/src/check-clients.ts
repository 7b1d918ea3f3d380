import { randomUUID } from 'node:crypto';
import { createLifePosClient, createMemoryTokenStore, type LifePosClient } from '@connector/lifepos';
import type { Logger } from '@connector/logger';
import { lifeposRateKey, type RateLimiter, retailcrmRateKey } from '@connector/queue';
import {
  createRetailCrmClient,
  type RetailCrmClient,
  RetailCrmUrlNotAllowedError,
} from '@connector/retailcrm';
import type { ConnectionDraft } from './connection-input.schema.js';

/** The two API clients of a configuration that may not be stored (yet). */
export interface CheckClients {
  /** The SSRF guard's refusal instead of a client when the address is not allowed. */
  retailcrm: RetailCrmClient | RetailCrmUrlNotAllowedError;
  lifepos: LifePosClient;
}

export type BuildCheckClients = (draft: ConnectionDraft) => CheckClients;

export interface CheckClientsOptions {
  lifeposApiUrl: string;
  retailcrmAllowedHosts: readonly string[];
  /** The upstream budgets every process shares: a check spends the tenant's requests like a job does. */
  limiter: RateLimiter;
  logger: Logger;
}

/**
 * A person waits for the checks: shorter limits than the workers', which can retry later. Long enough for
 * a slow RetailCRM account's reference books.
 */
const TIMEOUTS = { connect: 5_000, response: 15_000, request: 20_000 };

/**
 * Clients for checking a configuration. The LIFE POS token is never shared with the workers' token store:
 * a check must sign in with the password it was given, not succeed on a token of the old one.
 */
export function checkClientsFactory(options: CheckClientsOptions): BuildCheckClients {
  return (draft) => {
    const { rateLimits } = draft.settings;
    let retailcrm: CheckClients['retailcrm'];
    try {
      retailcrm = createRetailCrmClient({
        baseUrl: draft.retailcrmUrl,
        apiKey: draft.retailcrmApiKey,
        allowedHosts: options.retailcrmAllowedHosts,
        limiter: options.limiter.bucket(retailcrmRateKey(new URL(draft.retailcrmUrl).host), {
          perSecond: rateLimits.retailcrmPerSecond,
        }),
        logger: options.logger.child({ upstream: 'retailcrm', check: true }),
        timeouts: TIMEOUTS,
      });
    } catch (error) {
      if (!(error instanceof RetailCrmUrlNotAllowedError)) throw error;
      retailcrm = error;
    }
    const lifepos = createLifePosClient({
      baseUrl: options.lifeposApiUrl,
      orgId: draft.lifeposOrgId,
      phone: draft.lifeposPhone,
      password: draft.lifeposPassword,
      tokenStore: createMemoryTokenStore(),
      tokenKey: `check:${randomUUID()}`,
      limiter: options.limiter.bucket(lifeposRateKey(draft.lifeposOrgId), {
        perSecond: rateLimits.lifeposPerSecond,
      }),
      logger: options.logger.child({ upstream: 'lifepos', check: true }),
      timeouts: TIMEOUTS,
    });
    return { retailcrm, lifepos };
  };
}
