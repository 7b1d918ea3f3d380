import { orderStatusRole, type StatusSettings } from './order-status-role.js';

/**
 * What reconciliation does with one RetailCRM `orders/history` entry: enqueue the job the lost trigger
 * would have enqueued, or skip the entry. The RetailCRM trigger rules fire on the same changes — a status
 * change into an export status (`new`), into a cancel or delete status (`closed`), a payment whose status
 * becomes a refund status (`refund`), a shop (shipment store) change of an exported order (`new`, which
 * moves the sale) — so reading the feed finds every trigger that should have come, and applies a shop
 * change even on an account without the shop-change trigger. The job re-reads the order anyway: an entry
 * that turns out stale (the order moved on) costs one read.
 */

/** The history field of an order's shop (its shipment store); `{code}` of the store, or null when cleared. */
export const SHOP_HISTORY_FIELD = 'shipment_store';

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

/** The parts of a history entry the decision reads (docs/RETAILCRM-API.md, «Order history»). */
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

/** What the order looks like on the connector's side, where the decision needs it. */
export interface HistoryOrderFacts {
  /** The connector exported the order (it has a LIFE POS sale): only then does a shop change move anything. */
  exported?: boolean | undefined;
}

export type HistorySkipReason =
  /** Made with the connector's own API key: the connector knows about it already (and must not echo it). */
  | 'own-write'
  /** The order was deleted in RetailCRM: no trigger fires for that. */
  | 'order-deleted'
  /** A shop change of an order not exported yet: its export takes the shop it has then. */
  | 'not-exported'
  /** Any other change. */
  | 'not-a-trigger';

/** What the entry changed: the order status, a payment's status, or the order's shop. */
export type RepairChange = 'status' | 'payment-status' | 'shop';

export type HistoryRepair =
  | {
      action: 'enqueue';
      trigger: RepairTrigger;
      queue: RepairQueue;
      orderId: number;
      change: RepairChange;
      /** The order status, payment status or store code the entry moved into ('' for a cleared shop). */
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

function enqueue(
  trigger: RepairTrigger,
  change: RepairChange,
  orderId: number,
  status: string,
): HistoryRepair {
  return { action: 'enqueue', trigger, queue: QUEUE_OF[trigger], orderId, change, status };
}

const notATrigger: HistoryRepair = { action: 'skip', reason: 'not-a-trigger' };

/**
 * The decision for one entry. An order created straight into an export (or cancel) status counts as a
 * change into it: the order has to reach LIFE POS all the same, whether or not the account's trigger fires
 * on creation. A status that is both a cancel/delete and an export status is a cancel/delete status, as
 * the workers read it (`orderStatusRole`), so the export worker would skip the order anyway. A shop change
 * counts only for an order the connector exported (`order.exported`): before that there is no sale to
 * move, and the export takes whatever shop the order has when it goes.
 */
export function repairForHistoryEntry(
  entry: HistoryEntryFacts,
  settings: HistoryRepairSettings,
  order: HistoryOrderFacts = {},
): HistoryRepair {
  if (isOwnWrite(entry)) return { action: 'skip', reason: 'own-write' };
  if (entry.deleted) return { action: 'skip', reason: 'order-deleted' };
  const orderId = entry.order.id;

  if (entry.field === 'status') {
    const status = codeOf(entry.newValue);
    if (status === undefined) return notATrigger;
    if (orderStatusRole(status, settings) !== 'other') return enqueue('closed', 'status', orderId, status);
    return settings.exportStatuses.includes(status) ? enqueue('new', 'status', orderId, status) : notATrigger;
  }

  if (entry.field === SHOP_HISTORY_FIELD) {
    if (!order.exported) return { action: 'skip', reason: 'not-exported' };
    return enqueue('new', 'shop', orderId, codeOf(entry.newValue) ?? '');
  }

  // A payment whose status changed, or one added already in its final status.
  const paymentStatus =
    entry.field === 'payments.status'
      ? (codeOf(entry.newValue) ?? entry.payment?.status)
      : entry.field === 'payments' && entry.newValue !== null && entry.newValue !== undefined
        ? entry.payment?.status
        : undefined;
  if (paymentStatus !== undefined && settings.refundPaymentStatuses.includes(paymentStatus)) {
    return enqueue('refund', 'payment-status', orderId, paymentStatus);
  }
  return notATrigger;
}

/**
 * Whether the order's history (its own entries, any order) shows it entering an export status, on creation
 * or later. The export worker asks this of an order it never exported that is in no export status now: a
 * `new` from the shop-change trigger must not send an order before its time, while one that went through
 * the export status and on before its job ran still has to go.
 */
export function everEnteredExportStatus(
  entries: readonly Pick<HistoryEntryFacts, 'field' | 'newValue'>[],
  settings: Pick<HistoryRepairSettings, 'exportStatuses'>,
): boolean {
  return entries.some((entry) => {
    if (entry.field !== 'status') return false;
    const status = codeOf(entry.newValue);
    return status !== undefined && settings.exportStatuses.includes(status);
  });
}
