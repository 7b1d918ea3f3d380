import { SALE_PAYMENT_STATUSES, SALE_STATES } from '@connector/domain';
import { moneyCodec } from '@connector/lifepos';
import { z } from 'zod';

/**
 * LIFE POS notifications (docs/LIFEPOS-API.md, «Notification delivery»): the changed object itself,
 * discriminated by `type_of`. Only the receiver's minimum is required of a body; what the handler needs is
 * read from it later, and the handler re-reads the sale from the API anyway (notifications are signals).
 */

/** What makes a body a notification: a JSON object naming its type. */
const envelopeSchema = z.looseObject({ type_of: z.string().trim().min(1).max(100) });

/** The types that say a sale or its money changed; others (receipts, shifts, …) are recorded only. */
export const SALE_NOTIFICATION_TYPES = ['Sale', 'SalePayment', 'SaleRefund'] as const;
export type SaleNotificationType = (typeof SALE_NOTIFICATION_TYPES)[number];

export function isSaleNotificationType(typeOf: string): typeOf is SaleNotificationType {
  return (SALE_NOTIFICATION_TYPES as readonly string[]).includes(typeOf);
}

export type NotificationEnvelope = { ok: true; typeOf: string } | { ok: false; message: string };

export function parseNotificationEnvelope(body: unknown): NotificationEnvelope {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'The notification body must be a JSON object' };
  }
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      message: 'The notification body must name its type in `type_of` (a non-empty string)',
    };
  }
  return { ok: true, typeOf: parsed.data.type_of };
}

const guid = z.union([z.string().trim().min(1), z.number()]).transform(String);
/** Some builds name the guid `id` (see the LIFE POS client's `identified`). */
const reference = z.union([
  z.looseObject({ guid }),
  z.looseObject({ id: guid }).transform(({ id }) => ({ guid: id })),
]);
const saleBody = reference;
const moneyDocumentBody = z.looseObject({ sale: reference });

/** The sale a stored notification is about: `Sale.guid`, `SalePayment.sale.guid`, `SaleRefund.sale.guid`. */
export function saleGuidOfNotification(typeOf: string, body: unknown): string | undefined {
  if (typeOf === 'Sale') {
    const parsed = saleBody.safeParse(body);
    return parsed.success ? parsed.data.guid : undefined;
  }
  if (typeOf === 'SalePayment' || typeOf === 'SaleRefund') {
    const parsed = moneyDocumentBody.safeParse(body);
    return parsed.success ? parsed.data.sale.guid : undefined;
  }
  return undefined;
}

const saleFactsBody = z.looseObject({
  guid,
  state: z.enum(SALE_STATES),
  payment_status: z.enum(SALE_PAYMENT_STATUSES),
  deleted_at: z.string().nullish(),
  meta: z.string().nullish(),
  total_sum: z
    .looseObject({ value: z.union([z.number(), z.string()]), currency: z.string().nullish() })
    .nullish(),
});

/** The money of notification bodies, in the unit the LIFE POS clients of the tenants use (their default). */
const money = moneyCodec();

/**
 * The state and payment status a `Sale` notification carries (the changed sale itself), when it carries
 * them; undefined for other types or a body without them. Only ever used to skip a write-back that would
 * change nothing (see `saleWrittenBack`): a body that says less is written back as usual.
 */
export function saleFactsOfNotification(
  typeOf: string,
  body: unknown,
):
  | {
      guid: string;
      state: z.infer<typeof saleFactsBody>['state'];
      paymentStatus: z.infer<typeof saleFactsBody>['payment_status'];
      archived: boolean;
      meta: string | null;
      /** The sale's total; unknown (infinite: never paid in full) when the body has none or a bad one. */
      totalKopecks: number;
    }
  | undefined {
  if (typeOf !== 'Sale') return undefined;
  const parsed = saleFactsBody.safeParse(body);
  if (!parsed.success) return undefined;
  const { guid: saleGuid, state, payment_status, deleted_at, meta, total_sum } = parsed.data;
  let totalKopecks = Number.POSITIVE_INFINITY;
  try {
    if (total_sum) totalKopecks = money.decode(total_sum, 'total_sum');
  } catch {
    // A total the client could not read either: the write-back re-reads the sale.
  }
  return {
    totalKopecks,
    guid: saleGuid,
    state,
    paymentStatus: payment_status,
    archived: Boolean(deleted_at),
    meta: meta ?? null,
  };
}
