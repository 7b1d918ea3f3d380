import type { OrderMarksRepository, SyncCursorsRepository } from '@connector/db';
import { decideHistoryRead } from '@connector/domain';
import type { Logger } from '@connector/logger';
import type { Redis } from 'ioredis';
import type { HistoryScanResult, HistoryScanTenant } from './history-scan.js';

/**
 * The history scan's pace. Its job runs every `reconcileEverySeconds`; it reads RetailCRM only when
 * `decideHistoryRead` (`@connector/domain`) says so: every run while the shop is active — a read found
 * entries in the feed, or a trigger of the connection was received (its `trigger_received` marks), within
 * `reconcileIdleEverySeconds` — and at least once per that idle period otherwise. A run that does not read
 * leaves the cursors alone, so the next read goes on from where the last one stopped and nothing is skipped;
 * the trigger look-back of that read still starts at the last complete read (`lastReconciledAt`).
 */

/** When a read last found a change, per connection, in Redis. Losing it only costs reads: unknown is active. */
export interface HistoryPace {
  lastChangeAt(connectionId: string): Promise<Date | null>;
  changed(connectionId: string, at: Date): Promise<void>;
}

/** A day: longer than any idle period, so only a deleted connection's memory expires. */
const PACE_TTL_SECONDS = 86_400;

export function createHistoryPace(redis: Redis, prefix: string): HistoryPace {
  const key = (connectionId: string) => `${prefix}:history:${connectionId}:changed`;
  return {
    async lastChangeAt(connectionId) {
      const at = Number(await redis.get(key(connectionId)));
      return Number.isSafeInteger(at) && at > 0 ? new Date(at) : null;
    },
    async changed(connectionId, at) {
      await redis.set(key(connectionId), String(at.getTime()), 'EX', PACE_TTL_SECONDS);
    },
  };
}

export interface PacedScanDeps {
  cursors: Pick<SyncCursorsRepository, 'get'>;
  orderMarks: Pick<OrderMarksRepository, 'triggerReceivedSince'>;
  pace: HistoryPace;
  logger: Logger;
  now: () => Date;
}

export type PacedScanResult = HistoryScanResult | { skipped: 'idle'; nextReadAt: string };

/** Runs `read` (the scan) when it is due; else returns when the next read is, without an upstream call. */
export async function pacedHistoryScan(
  deps: PacedScanDeps,
  tenant: HistoryScanTenant,
  read: () => Promise<HistoryScanResult>,
): Promise<PacedScanResult> {
  const connectionId = tenant.connection.id;
  const now = deps.now();
  const [cursor, lastChangeAt] = await Promise.all([
    deps.cursors.get(connectionId),
    deps.pace.lastChangeAt(connectionId),
  ]);
  const decision = decideHistoryRead({
    now,
    lastReadAt: cursor.lastReconciledAt,
    lastChangeAt,
    everyMs: tenant.settings.reconcileEverySeconds * 1000,
    idleEveryMs: tenant.settings.reconcileIdleEverySeconds * 1000,
  });
  if (!decision.read && !(await deps.orderMarks.triggerReceivedSince(connectionId, decision.triggersSince))) {
    return { skipped: 'idle', nextReadAt: decision.until.toISOString() };
  }
  const result = await read();
  // The first read after the memory was lost counts as a change: the shop is taken for active until a
  // whole idle period has passed without one.
  const changed = result.outcome === 'started' || result.entries > 0 || lastChangeAt === null;
  if (changed) {
    await deps.pace.changed(connectionId, now).catch((error: unknown) => {
      // At worst the next runs wait for the idle period, as for any idle shop.
      deps.logger.warn('could not remember that the history changed', { error });
    });
  }
  return result;
}
