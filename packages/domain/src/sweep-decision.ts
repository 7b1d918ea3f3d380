import type { RepairQueue } from './history-repair.js';
import { orderStatusRole, paymentsToRefund, type StatusSettings } from './order-status-role.js';

/**
 * The convergence sweep's decision for one RetailCRM order: compare what the order says it should be in
 * LIFE POS (its status, shop and payments) with what the connector recorded doing (its order link) and
 * name the jobs that would bring the two together. Events (triggers, the history scan) make the connector
 * fast; this makes it true whatever was lost — a trigger, a job, Redis's data, a job out of retries.
 *
 * It only reads the order and the link: each job it names re-reads both APIs and decides again, so a
 * repair that turns out unneeded costs one job and changes nothing.
 */

export type SweepLinkState = 'exported' | 'cancelled' | 'refunded' | 'deleted' | 'failed';

export interface SweepSettings extends StatusSettings {
  /** Statuses of the `new` trigger: an order in one of them is to be in LIFE POS. */
  exportStatuses: readonly string[];
  refundPaymentStatuses: readonly string[];
}

export interface SweepOrderFacts {
  id: number;
  status: string;
  /** When the order entered its status (parsed from `statusUpdatedAt`); unknown when RetailCRM left it out. */
  statusUpdatedAt?: Date | undefined;
  /** The order's shop (`shipmentStore`), when it names one. */
  storeCode?: string | undefined;
  payments: readonly { status?: string | null | undefined }[];
}

export interface SweepLinkFacts {
  state: SweepLinkState;
  lifeposOutletId: string | null;
  /** When a job last wrote the link (after reading the sale). */
  lastSyncedAt: Date;
}

export interface SweepInput {
  order: SweepOrderFacts;
  /** The order's link; null when the connector never linked a sale to it. */
  link: SweepLinkFacts | null;
  /** The LIFE POS outlet a RetailCRM store is mapped to (OutletLink), if it is. */
  outletOfStore: (storeCode: string) => string | undefined;
  settings: SweepSettings;
  /**
   * Orders that entered their status after this are left alone: their trigger is probably on its way,
   * and a repair job would only stand in its way (the trigger's job would merge into it).
   */
  settledBefore?: Date | undefined;
}

export type SweepReason =
  /** In an export status, never exported. */
  | 'not-exported'
  /** In an export status, its last export failed. */
  | 'export-failed'
  /** Sent again (back in an export status) after its sale was cancelled or deleted. */
  | 'sale-gone'
  /** Exported, but the order's shop maps to another outlet than the sale's. */
  | 'outlet-changed'
  /** In a cancel status, its sale still exported. */
  | 'not-cancelled'
  /** In a delete ("erroneous cancel") status, its sale not deleted. */
  | 'not-deleted'
  /** A payment in a refund status, the sale not refunded. */
  | 'not-refunded';

export interface SweepRepair {
  queue: RepairQueue;
  reason: SweepReason;
  /** The order status (or payment status, for a refund) the repair follows from. */
  status: string;
}

/** RetailCRM prints `statusUpdatedAt` to the second: the change happened within the second after it. */
const STATUS_TIME_PRECISION_MS = 1_000;

/** Written before the order entered its status (or within its second): no job has looked since. */
function staleSince(link: SweepLinkFacts, order: SweepOrderFacts): boolean {
  return (
    order.statusUpdatedAt === undefined ||
    link.lastSyncedAt.getTime() < order.statusUpdatedAt.getTime() + STATUS_TIME_PRECISION_MS
  );
}

function cancelRepair(order: SweepOrderFacts, link: SweepLinkFacts | null, role: 'cancel' | 'delete') {
  // A link the cancel job wrote after the status change means it looked and decided (e.g. the sale was
  // closed through LIFE POS and stays): asking again would change nothing.
  if (!link || !staleSince(link, order)) return undefined;
  if (link.state === 'exported') {
    return { queue: 'order-cancel', reason: role === 'cancel' ? 'not-cancelled' : 'not-deleted' } as const;
  }
  // The erroneous cancel archives a cancelled sale too, so that the order can be sent again.
  if (role === 'delete' && link.state === 'cancelled') {
    return { queue: 'order-cancel', reason: 'not-deleted' } as const;
  }
  return undefined;
}

function exportRepair(input: SweepInput) {
  const { order, link, settings } = input;
  if (settings.exportStatuses.includes(order.status)) {
    if (!link) return { queue: 'order-export', reason: 'not-exported' } as const;
    if (link.state === 'failed') return { queue: 'order-export', reason: 'export-failed' } as const;
    // Only a send after the sale died: a sale cancelled at the till of an order left in its status stays.
    if ((link.state === 'cancelled' || link.state === 'deleted') && staleSince(link, order)) {
      return { queue: 'order-export', reason: 'sale-gone' } as const;
    }
  }
  // After export only the shop may change, in any status but a cancel one: the export job moves the sale.
  if (link?.state === 'exported' && link.lifeposOutletId !== null && order.storeCode !== undefined) {
    if (input.outletOfStore(order.storeCode) !== link.lifeposOutletId) {
      return { queue: 'order-export', reason: 'outlet-changed' } as const;
    }
  }
  return undefined;
}

/** The jobs the order needs, at most one per queue; none when the order and its link agree. */
export function sweepRepairs(input: SweepInput): SweepRepair[] {
  const { order, link, settings, settledBefore } = input;
  if (settledBefore && order.statusUpdatedAt && order.statusUpdatedAt > settledBefore) return [];
  const repairs: SweepRepair[] = [];
  const role = orderStatusRole(order.status, settings);
  const statusRepair = role === 'other' ? exportRepair(input) : cancelRepair(order, link, role);
  if (statusRepair) repairs.push({ ...statusRepair, status: order.status });

  // Only a living sale can hold a payment to refund; the refund job marks its link `refunded` when done.
  const [refund] = paymentsToRefund(order.payments, settings.refundPaymentStatuses);
  if (refund?.status && link?.state === 'exported') {
    repairs.push({ queue: 'order-refund', reason: 'not-refunded', status: refund.status });
  }
  return repairs;
}
