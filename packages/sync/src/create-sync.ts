import type { Database } from '@connector/db';
import { ConnectorError, type ErrorKind, errorKind, isSellingStore } from '@connector/domain';
import type { Logger } from '@connector/logger';
import type { EntityLock } from '@connector/queue';
import type { Tenant } from '@connector/tenant';
import { createCourierSync } from './courier-sync.js';
import { createOutletSync, loadStoreReferences } from './outlet-sync.js';
import { courierGone } from './sync-errors.js';
import type { WaitingLockOptions } from './waiting-lock.js';

export interface SyncDeps {
  db: Database;
  /** `createEntityLock` from @connector/queue; the sync takes its own keys (`sync:store:…`, `sync:courier:…`). */
  lock: EntityLock;
  logger: Logger;
  /** How long a sync waits for another one holding the same store or courier. */
  lockWait?: WaitingLockOptions;
}

/** One store or courier that could not be synced. */
export interface SyncProblem {
  /** `store:<code>` or `courier:<id>`: with `code`, the incident's identity. */
  subject: string;
  /** The error's code, e.g. `sync.inn_missing`. */
  code: string;
  /** For people (the error's `userMessage`). */
  message: string;
  /** `permanent` problems need a person; the others (an upstream outage) go away by retrying. */
  kind: ErrorKind;
}

export interface SyncAllResult {
  /** Stores whose outlet is in step now. */
  outlets: number;
  /** Linked couriers whose employee and workplace are in step now. */
  couriers: number;
  problems: SyncProblem[];
}

export interface Sync {
  /**
   * The outlet of a RetailCRM store, creating or patching it if needed. Throws `PermanentError` with code
   * `sync.inn_missing`, `sync.store_unresolved` or `sync.store_missing` and a Russian `userMessage` naming
   * the store, the INN and what to add in LIFE POS.
   */
  ensureOutlet(tenant: Tenant, storeCode: string): Promise<{ outletId: string; legalEntityInn: string }>;
  /**
   * The courier's LIFE POS employee (its own, or the employee that already has its phone) and own `Mobile`
   * workplace, creating or patching them if needed. `PermanentError` (`sync.courier_no_phone`,
   * `sync.courier_bad_phone`, `sync.courier_phone_taken` — see `isCourierPhoneConflict` —,
   * `sync.courier_missing`, `sync.courier_role_missing`) when impossible.
   */
  ensureCourier(tenant: Tenant, courierId: number): Promise<{ employeeId: string; workplaceId: string }>;
  /**
   * Every selling store (settings `syncStoreTypes`, active) and every courier already linked (renames and
   * new phones reach LIFE POS). Couriers not linked yet are created when an order of theirs is exported —
   * the seed creates couriers "assigned to an order", and each costs a workplace. Per-item failures
   * become `problems`; the rest goes on.
   */
  syncAll(tenant: Tenant): Promise<SyncAllResult>;
}

function problemOf(subject: string, error: unknown): SyncProblem {
  if (error instanceof ConnectorError) {
    return { subject, code: error.code, message: error.userMessage, kind: error.kind };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { subject, code: 'unexpected', message, kind: errorKind(error) };
}

export function createSync(deps: SyncDeps): Sync {
  const outlets = createOutletSync(deps);
  const couriers = createCourierSync(deps);
  const { db, logger } = deps;

  return {
    async ensureOutlet(tenant, storeCode) {
      const { outletId, legalEntityInn } = await outlets.ensureOutlet(tenant, storeCode);
      return { outletId, legalEntityInn };
    },

    async ensureCourier(tenant, courierId) {
      const { employeeId, workplaceId } = await couriers.ensureCourier(tenant, courierId);
      return { employeeId, workplaceId };
    },

    async syncAll(tenant) {
      const connectionId = tenant.connection.id;
      const problems: SyncProblem[] = [];
      let outletCount = 0;
      let courierCount = 0;

      const refs = await loadStoreReferences(tenant);
      for (const store of refs.stores) {
        if (!isSellingStore(store, tenant.settings.syncStoreTypes)) continue;
        try {
          await outlets.ensureStore(tenant, store, refs);
          outletCount += 1;
        } catch (error) {
          problems.push(problemOf(`store:${store.code}`, error));
        }
      }

      const links = await db.courierLinks.list(connectionId);
      if (links.length > 0) {
        const byId = new Map((await tenant.retailcrm.couriers()).map((courier) => [courier.id, courier]));
        for (const link of links) {
          const courier = byId.get(link.retailcrmCourierId);
          const subject = `courier:${link.retailcrmCourierId}`;
          if (!courier) {
            problems.push(problemOf(subject, courierGone(link.retailcrmCourierId)));
            continue;
          }
          try {
            await couriers.ensureCourierWith(tenant, courier);
            courierCount += 1;
          } catch (error) {
            problems.push(problemOf(subject, error));
          }
        }
      }

      logger.info('sync finished', {
        connectionId,
        outlets: outletCount,
        couriers: courierCount,
        problems: problems.map(({ subject, code }) => `${subject}:${code}`),
      });
      return { outlets: outletCount, couriers: courierCount, problems };
    },
  };
}
