import { orderStatusRole, type StatusSettings } from './order-status-role.js';

/**
 * What reconciliation does with one RetailCRM `orders/history` entry: enqueue the job the lost trigger
 * would have enqueued, or skip the entry. The RetailCRM trigger rules fire on the same changes — a status
 * change into an export status (`new`), into a cancel or delete status (`closed`), a payment whose status
 * becomes a refund status (`refund`) — so reading the feed finds every trigger that should have come.
 * The job re-reads the order anyway: an entry that turns out stale (the order moved on) costs one read.
 */

/** The trigger the entry stands for, and the queue that trigger feeds (as in ingress). */
export type RepairTrigger = 'new' | 'closed' | 'refund';
export type RepairQueue = 'order-export' | 'order-cancel' | 'order-refund';

const QUEUE_OF: Record<RepairTrigger, RepairQueue> = {
  new: 'order-export',
  closed: 'order-cancel',
  refund: 'order-refund',
};

export interface HistoryRepairSettings extends StatusSettings {
  /** Statuses of the `new` trigger. */
  exportStatuses: readonly string[];
  refundPaymentStatuses: readonly string[];
}

/** The parts of a history entry the decision reads (reference §4.7). */
export interface HistoryEntryFacts {
  id: number;
  created?: boolean | undefined;
  deleted?: boolean | undefined;
  source?: string | undefined;
  apiKey?: { current?: boolean | undefined } | null | undefined;
  field: string;
  newValue: unknown;
  order: { id: number };
  payment?: { id?: number | undefined; status?: string | undefined } | null | undefined;
}

export type HistorySkipReason =
  /** Made with the connector's own API key: the connector knows about it already (and must not echo it). */
  | 'own-write'
  /** The order was deleted in RetailCRM: no trigger fires for that. */
  | 'order-deleted'
  /** Any other change. */
  | 'not-a-trigger';

export type HistoryRepair =
  | {
      action: 'enqueue';
      trigger: RepairTrigger;
      queue: RepairQueue;
      orderId: number;
      /** The order status or payment status the entry moved into. */
      status: string;
    }
  | { action: 'skip'; reason: HistorySkipReason };

/** Reference-book values print as `{code}` in history; a bare code is accepted as well. */
function codeOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value || undefined;
  if (typeof value === 'object' && value !== null && 'code' in value) {
    const { code } = value as { code: unknown };
    return typeof code === 'string' && code.length > 0 ? code : undefined;
  }
  return undefined;
}

/** `source: api` with `apiKey.current: true` — the key reading the history made the change. */
export function isOwnWrite(entry: Pick<HistoryEntryFacts, 'source' | 'apiKey'>): boolean {
  return entry.source === 'api' && entry.apiKey?.current === true;
}

function enqueue(trigger: RepairTrigger, orderId: number, status: string): HistoryRepair {
  return { action: 'enqueue', trigger, queue: QUEUE_OF[trigger], orderId, status };
}

const notATrigger: HistoryRepair = { action: 'skip', reason: 'not-a-trigger' };

/**
 * The decision for one entry. An order created straight into an export (or cancel) status counts as a
 * change into it: the order has to reach LIFE POS all the same, whether or not the account's trigger fires
 * on creation. A status that is both a cancel/delete and an export status is a cancel/delete status, as
 * the workers read it (`orderStatusRole`), so the export worker would skip the order anyway.
 */
export function repairForHistoryEntry(
  entry: HistoryEntryFacts,
  settings: HistoryRepairSettings,
): HistoryRepair {
  if (isOwnWrite(entry)) return { action: 'skip', reason: 'own-write' };
  if (entry.deleted) return { action: 'skip', reason: 'order-deleted' };
  const orderId = entry.order.id;

  if (entry.field === 'status') {
    const status = codeOf(entry.newValue);
    if (status === undefined) return notATrigger;
    if (orderStatusRole(status, settings) !== 'other') return enqueue('closed', orderId, status);
    return settings.exportStatuses.includes(status) ? enqueue('new', orderId, status) : notATrigger;
  }

  // A payment whose status changed, or one added already in its final status.
  const paymentStatus =
    entry.field === 'payments.status'
      ? (codeOf(entry.newValue) ?? entry.payment?.status)
      : entry.field === 'payments' && entry.newValue !== null && entry.newValue !== undefined
        ? entry.payment?.status
        : undefined;
  if (paymentStatus !== undefined && settings.refundPaymentStatuses.includes(paymentStatus)) {
    return enqueue('refund', orderId, paymentStatus);
  }
  return notATrigger;
}
