import { type Text, t } from '../i18n.js';
import type { TimelineEvent } from './event-catalog.js';

/**
 * Where the order stands, from the latest facts on its timeline (oldest first): the order link says
 * `exported` until a cancel or refund changes it, while payments and the sale's completion arrive from
 * LIFE POS as write-backs. The last fact wins; the link's state is the fallback.
 */

export type OrderStanding =
  | 'exported'
  | 'paid'
  | 'completed'
  | 'cancelled'
  | 'refunded'
  | 'deleted'
  | 'failed'
  | 'not-exported';

export const STANDING_NAMES: Record<OrderStanding, Text> = {
  exported: t('выгружен в LIFE POS', 'exported to LIFE POS'),
  paid: t('оплачен в LIFE POS', 'paid in LIFE POS'),
  completed: t('продажа завершена', 'sale completed'),
  cancelled: t('продажа отменена', 'sale cancelled'),
  refunded: t('оплата возвращена', 'payment refunded'),
  deleted: t('продажа удалена (ошибочная отмена)', 'sale deleted (erroneous cancel)'),
  failed: t('ошибка выгрузки', 'export failed'),
  'not-exported': t('не выгружен', 'not exported'),
};

const data = (event: TimelineEvent): Record<string, unknown> =>
  typeof event.data === 'object' && event.data !== null ? (event.data as Record<string, unknown>) : {};

/** The standing a single event establishes, if any. */
function standingOf(event: TimelineEvent): OrderStanding | undefined {
  const d = data(event);
  switch (event.type) {
    case 'job.finished':
      if (d.outcome === 'created' || d.outcome === 'kept' || d.outcome === 'moved') return 'exported';
      if (d.outcome === 'cancelled') return 'cancelled';
      if (d.outcome === 'archived') return 'deleted';
      if (d.outcome === 'refunded' || d.outcome === 'already-refunded') return 'refunded';
      return undefined;
    case 'writeback.payment':
      return 'paid';
    case 'writeback.payment_refunded':
      return 'refunded';
    case 'writeback.sale_state':
      if (d.state === 'Completed') return 'completed';
      if (d.state === 'Cancelled') return 'cancelled';
      return undefined;
    default:
      return undefined;
  }
}

/**
 * The order's standing: the latest fact of the timeline; a payment does not hide a completion that came
 * before it (a sale is paid and completed: «завершена» says both).
 */
export function orderStanding(
  linkState: string | undefined,
  events: readonly TimelineEvent[],
): OrderStanding {
  let standing: OrderStanding | undefined;
  for (const event of events) {
    const next = standingOf(event);
    if (!next) continue;
    if (next === 'paid' && standing === 'completed') continue;
    standing = next;
  }
  if (standing) return standing;
  if (linkState && linkState in STANDING_NAMES) return linkState as OrderStanding;
  return 'not-exported';
}
