import type { Database } from '@connector/db';
import { orderIdOfSaleMeta } from '@connector/domain';
import type { Logger } from '@connector/logger';
import { jobIdFor, type Producer } from '@connector/queue';
import type { TenantRuntime } from '@connector/tenant';

/**
 * Looked back before the cursor: sales updated in the last moments of the previous check (and LIFE POS's
 * clock being a little behind ours) are seen again rather than missed. Seeing a sale twice costs one
 * write-back that finds nothing to do.
 */
export const SALES_CHECK_OVERLAP_MS = 30_000;

export interface LifeposSalesCheckDeps {
  db: Database;
  runtime: TenantRuntime;
  producer: Producer;
  logger: Logger;
}

export interface LifeposSalesCheckResult {
  outcome: 'checked' | 'connection-inactive';
  /** Sales updated in the window, and those of them the connector made (queued for write-back). */
  seen?: number;
  queued?: number;
  since?: string;
}

/**
 * `lifepos-events` check `sales`: the LIFE POS sales updated since the connection's cursor (minus the
 * overlap) go through the same write-back as notifications, so a lost notification is repaired within one
 * period. Only sales the connector made are queued; the cursor moves to the check's start once every one
 * of them is queued, so a failed check is repeated in full.
 */
export async function checkLifeposSales(
  { db, runtime, producer, logger }: LifeposSalesCheckDeps,
  connectionId: string,
): Promise<LifeposSalesCheckResult> {
  const connection = await db.connections.get(connectionId);
  if (connection?.status !== 'active') return { outcome: 'connection-inactive' };
  const tenant = await runtime.open(connectionId);
  const startedAt = new Date();
  const cursor = (await db.syncCursors.get(connectionId)).lifeposSalesCursor;
  // First check: one period back, not the whole history (notifications covered what came before).
  const from = cursor ?? new Date(startedAt.getTime() - tenant.settings.lifeposPollSeconds * 1000);
  const since = new Date(from.getTime() - SALES_CHECK_OVERLAP_MS);

  let seen = 0;
  let queued = 0;
  for await (const sale of tenant.lifepos.sales.iterate({
    updatedFrom: since,
    orderBy: 'updated_at_asc',
    selection: 'all',
    itemsPerPage: 100,
  })) {
    seen += 1;
    const ours =
      orderIdOfSaleMeta(sale.meta) !== undefined ||
      (await db.orderLinks.findBySaleId(connectionId, sale.guid)) !== null;
    if (!ours) continue;
    // Collapses with a write-back of the same sale still waiting (a notification's job is separate).
    await producer.add(
      'lifepos-events',
      { connectionId, saleId: sale.guid },
      { dedupeId: jobIdFor('lifepos-events', connectionId, sale.guid) },
    );
    queued += 1;
  }
  await db.syncCursors.advance(connectionId, { lifeposSalesCursor: startedAt });
  if (queued > 0) logger.info('LIFE POS sales checked', { seen, queued, since: since.toISOString() });
  return { outcome: 'checked', seen, queued, since: since.toISOString() };
}
