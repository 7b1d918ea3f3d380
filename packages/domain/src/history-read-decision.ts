/**
 * The RetailCRM history scan is a safety net for lost triggers: on a shop where nothing moves, reading the
 * feed every minute finds nothing, hour after hour. This tells whether a run reads the feed now or leaves
 * it to a later run: every period while the shop is active (a read found a change, or a trigger arrived,
 * within the idle period), at least once per idle period otherwise. Whatever is unknown counts as active:
 * when in doubt it reads.
 */
export interface HistoryReadInput {
  now: Date;
  /** Start of the last read that reached the end of the feed (`SyncCursor.lastReconciledAt`); null: none yet. */
  lastReadAt: Date | null;
  /** Start of the last read that found entries in the feed; null: not known (never recorded, or forgotten). */
  lastChangeAt: Date | null;
  /** The scan's period (`reconcileEverySeconds`) and its idle period (`reconcileIdleEverySeconds`), in ms. */
  everyMs: number;
  idleEveryMs: number;
}

export type HistoryReadDecision =
  | { read: true; reason: 'first' | 'unknown' | 'active' | 'idle-period-over' }
  /** Nothing moved lately: no read before `until`, unless a trigger arrived since `triggersSince`. */
  | { read: false; until: Date; triggersSince: Date };

export function decideHistoryRead(input: HistoryReadInput): HistoryReadDecision {
  const { now, lastReadAt, lastChangeAt, everyMs, idleEveryMs } = input;
  if (lastReadAt === null) return { read: true, reason: 'first' };
  if (lastChangeAt === null) return { read: true, reason: 'unknown' };
  // A scheduler's runs drift by a little: half a period early is on time, so the read is not a period late.
  const idleMs = idleEveryMs - everyMs / 2;
  const at = now.getTime();
  if (at - lastChangeAt.getTime() < idleMs) return { read: true, reason: 'active' };
  if (at - lastReadAt.getTime() >= idleMs) return { read: true, reason: 'idle-period-over' };
  return {
    read: false,
    until: new Date(lastReadAt.getTime() + idleMs),
    triggersSince: new Date(at - idleEveryMs),
  };
}
