import type { Database } from '@connector/db';
import type { Employee } from '@connector/lifepos';
import type { Producer } from '@connector/queue';
import type { Sync } from '@connector/sync';
import type { Tenant, TenantRuntime } from '@connector/tenant';
import { createTenantCache } from './tenant-cache.js';

/** The part of `@connector/sync` the export needs: outlets for stores, employees + workplaces for couriers. */
export type OrderSync = Pick<Sync, 'ensureOutlet' | 'ensureCourier'>;

export interface ExportOrderDeps {
  runtime: TenantRuntime;
  db: Database;
  sync: OrderSync;
  /**
   * Opens the incident of a courier LIFE POS gives no employee (see `openerFor`). Without it (a test stack
   * that reports no incidents) such a courier fails the export instead.
   */
  producer?: Producer;
  /** The clock of the sales' `opened_at`. */
  now?: () => Date;
}

/** What every step of one handler's exports shares: its dependencies and its per-tenant caches. */
export interface ExportContext {
  db: Database;
  sync: OrderSync;
  producer: Producer | undefined;
  now: () => Date;
  ownEmployee: TenantCache<Employee>;
  unitsOf: TenantCache<UomFor>;
}

/** The LIFE POS unit of measure of a RetailCRM unit code (see `uomResolver`). */
export type UomFor = (unitCode: string | undefined) => string;
type TenantCache<T> = (tenant: Tenant, load: () => Promise<T>) => Promise<T>;

/** The connection's own employee and the units of measure change rarely; re-read them this often. */
const CACHE_TTL_MS = 10 * 60_000;

export function createExportContext({
  db,
  sync,
  producer,
  now = () => new Date(),
}: ExportOrderDeps): ExportContext {
  return {
    db,
    sync,
    producer,
    now,
    ownEmployee: createTenantCache<Employee>(CACHE_TTL_MS),
    unitsOf: createTenantCache<UomFor>(CACHE_TTL_MS),
  };
}
