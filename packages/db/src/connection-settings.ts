import { ORDER_KINDS, SALE_STATES } from '@connector/domain';
import { z } from 'zod';

/**
 * Advanced settings of a connection (the `Connection.settings` JSON column). Every key has a default, so
 * `{}` is a complete configuration and keys added later apply to rows stored before them.
 *
 * Status and payment-status codes are RetailCRM codes, which are account-specific; the defaults are the codes
 * of a RetailCRM account with its standard reference books (docs/RETAILCRM-API.md, «Reference books»):
 * - the `cancel` status group (`no-call` … `cancel-other`, `abandoned-cart`) plus `returned`, because the
 *   LIFE POS integration guide asks for the cancel trigger on «Возвращен» and «Отменен»;
 * - no delete ("erroneous cancel") status: the guide has the tenant create one, so it is off until configured;
 * - `paid` is the standard complete payment status; `returned` is the refunded one the guide names «Возвращён»;
 * - `courier` and `self-delivery` are the standard delivery types for courier delivery and pickup.
 */

const code = z.string().trim().min(1);
const codes = (fallback: string[]) => z.array(code).default(() => [...fallback]);

export const connectionSettingsSchema = z.object({
  /** RetailCRM statuses in which a `new` trigger exports the order. */
  exportStatuses: codes(['new']),
  /** RetailCRM statuses in which a `closed` trigger cancels the sale (unless it was closed in LIFE POS). */
  cancelStatuses: codes([
    'no-call',
    'no-product',
    'already-buyed',
    'delyvery-did-not-suit',
    'prices-did-not-suit',
    'cancel-other',
    'abandoned-cart',
    'returned',
  ]),
  /** "Erroneous cancel" statuses: the sale is deleted so that the order can be exported again later. */
  deleteStatuses: codes([]),
  /** RetailCRM payment statuses that make a `refund` trigger refund the LIFE POS payment. */
  refundPaymentStatuses: codes(['returned']),
  /** RetailCRM order status to set when the LIFE POS sale reaches a state; unmapped states change nothing. */
  saleStateToStatus: z
    .partialRecord(z.enum(SALE_STATES), code)
    .default(() => ({ Completed: 'complete', Cancelled: 'cancel-other' })),
  /** Status of RetailCRM payments created for LIFE POS payments. */
  paidPaymentStatus: code.default('paid'),
  /** Status a RetailCRM payment gets when LIFE POS refunds it. */
  refundedPaymentStatus: code.default('returned'),
  /** RetailCRM delivery type code → kind of LIFE POS order. */
  deliveryTypeToOrderKind: z
    .record(code, z.enum(ORDER_KINDS))
    .default(() => ({ courier: 'delivery' as const, 'self-delivery': 'pickup' as const })),
  /** How often stores and couriers are synced to LIFE POS (the sync worker's job scheduler per connection). */
  syncEveryMinutes: z.number().int().positive().max(1440).default(5),
  /**
   * RetailCRM store types that sell, i.e. become LIFE POS outlets (docs/RETAILCRM-API.md, «Reference books»:
   * retail points of sale).
   */
  syncStoreTypes: codes(['store-type-retail']),
  /**
   * Store code → site code, for stores whose legal entity cannot be told otherwise: RetailCRM has no store →
   * site field, so the sync uses the account's only legal entity or the sites of the store's orders.
   */
  storeSites: z.record(code, code).default(() => ({})),
  /**
   * How often the webhook-worker lists the LIFE POS sales updated since its cursor, to write back what a
   * lost notification did not (its job scheduler per connection): a lost notification is repaired within
   * this period.
   */
  lifeposPollSeconds: z.number().int().positive().max(3600).default(60),
  /**
   * How often the reconcile worker reads the RetailCRM order history for changes whose trigger never
   * arrived (its job scheduler per connection): a lost trigger is repaired within about this period.
   */
  reconcileEverySeconds: z.number().int().positive().max(3600).default(60),
  /**
   * How often the history is read while the shop is idle: once no read has found a change and no trigger
   * has arrived for this long, the scan reads RetailCRM only this often (its job still runs every
   * `reconcileEverySeconds`, without an upstream call), and reads every period again as soon as a read
   * finds a change or a trigger arrives. A lost trigger of an idle shop is repaired within about this period.
   */
  reconcileIdleEverySeconds: z.number().int().positive().max(3600).default(300),
  /**
   * Where the first history reading starts: a date (`2026-05-01`, midnight in the account's time zone) or an
   * ISO instant with an offset. Unset: from now, so activation does not replay the account's past. Only the
   * first reading uses it; after that the stored history cursor does.
   */
  reconcileFrom: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
  /**
   * How often the reconcile worker's convergence sweep compares the RetailCRM orders changed recently with
   * the order links (its job scheduler per connection): whatever was lost — a trigger, a job, Redis's data,
   * jobs that ran out of retries during an outage — is repaired within about this period.
   */
  sweepEverySeconds: z.number().int().positive().max(86_400).default(300),
  /**
   * How far back the sweep looks: orders whose status changed in the last this many hours (never before the
   * connection was activated).
   */
  sweepWindowHours: z.number().int().positive().max(720).default(48),
  /** Per-tenant request budgets, enforced across all processes. RetailCRM allows about 10 requests/s. */
  rateLimits: z
    .object({
      retailcrmPerSecond: z.number().int().positive().max(100).default(10),
      lifeposPerSecond: z.number().int().positive().max(100).default(5),
    })
    .prefault({}),
});

/** Settings as stored and read: every key present. */
export type ConnectionSettings = z.output<typeof connectionSettingsSchema>;
/** Settings as given: any key may be left out and gets its default. */
export type ConnectionSettingsInput = z.input<typeof connectionSettingsSchema>;
