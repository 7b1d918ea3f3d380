import type { ConnectionSettings } from '@connector/db';
import type { OrderKind } from '@connector/domain';
import type { ReferenceBooks } from './checks/index.js';

/**
 * The advanced settings a new connection starts with, read from the account's own reference books
 * (docs/RETAILCRM-API.md, «Reference books»): the standard code where the account has it, else the account's
 * status of the matching group or a payment status whose name says so. A code the account lacks is never
 * proposed, so a standard account passes the settings check without anyone opening the advanced section.
 * Keys the person gave are kept as given.
 */

type Book = ReferenceBooks['statuses'];
type Item = Book[number];

const alive = <T extends { active?: boolean | undefined }>(items: readonly T[]) =>
  items.filter((item) => item.active !== false);

const has = (items: readonly { code: string }[], code: string) => items.some((item) => item.code === code);

/** The standard code when the book has it, else the first item of the group, else undefined. */
function standardOrGroup(statuses: Book, code: string, group: string): string | undefined {
  if (has(statuses, code)) return code;
  return statuses.find((status) => status.group === group)?.code;
}

const REFUND_WORDS = /refund|return|возврат|вернул/i;
const IN_HALL_WORDS = /hall|зал/i;
const PICKUP_WORDS = /self|pickup|самовывоз/i;

function refundedStatus(statuses: ReferenceBooks['paymentStatuses']): string | undefined {
  if (has(statuses, 'returned')) return 'returned';
  return statuses.find((status) => REFUND_WORDS.test(`${status.code} ${status.name}`))?.code;
}

function paidStatus(statuses: ReferenceBooks['paymentStatuses']): string | undefined {
  if (has(statuses, 'paid')) return 'paid';
  return statuses.find((status) => status.paymentComplete === true)?.code;
}

/** Delivery type → order kind by its code, integration or name; types it cannot tell stay unmapped. */
function kindOf(type: ReferenceBooks['deliveryTypes'][number]): OrderKind | undefined {
  const words = `${type.code} ${type.name}`;
  if (type.code === 'courier' || type.integrationCode === 'courier') return 'delivery';
  if (type.code === 'self-delivery' || PICKUP_WORDS.test(words)) return 'pickup';
  if (IN_HALL_WORDS.test(words)) return 'in_hall';
  return undefined;
}

function deliveryKinds(types: ReferenceBooks['deliveryTypes']): Record<string, OrderKind> {
  const kinds: Record<string, OrderKind> = {};
  for (const type of alive(types)) {
    const kind = kindOf(type);
    if (kind) kinds[type.code] = kind;
  }
  return kinds;
}

function saleStates(statuses: Book): ConnectionSettings['saleStateToStatus'] {
  const completed = standardOrGroup(statuses, 'complete', 'complete');
  const cancelled = standardOrGroup(statuses, 'cancel-other', 'cancel');
  return { ...(completed && { Completed: completed }), ...(cancelled && { Cancelled: cancelled }) };
}

/** Every proposable key, from the books alone. */
export function settingsFromBooks(books: ReferenceBooks): Partial<ConnectionSettings> {
  const statuses = alive(books.statuses);
  const paymentStatuses = alive(books.paymentStatuses);
  const newStatus = standardOrGroup(statuses, 'new', 'new');
  const refunded = refundedStatus(paymentStatuses);
  const paid = paidStatus(paymentStatuses);
  const cancel = statuses.filter((status: Item) => status.group === 'cancel').map((status) => status.code);
  // The LIFE POS guide asks for the cancel trigger on «Возвращен» too, where the account has it.
  if (has(statuses, 'returned') && !cancel.includes('returned')) cancel.push('returned');
  return {
    exportStatuses: newStatus ? [newStatus] : [],
    cancelStatuses: cancel,
    refundPaymentStatuses: refunded ? [refunded] : [],
    saleStateToStatus: saleStates(statuses),
    ...(paid && { paidPaymentStatus: paid }),
    ...(refunded && { refundedPaymentStatus: refunded }),
    deliveryTypeToOrderKind: deliveryKinds(books.deliveryTypes),
  };
}

/** The settings keys a proposal may set. */
export const PROPOSED_KEYS = [
  'exportStatuses',
  'cancelStatuses',
  'refundPaymentStatuses',
  'saleStateToStatus',
  'paidPaymentStatus',
  'refundedPaymentStatus',
  'deliveryTypeToOrderKind',
] as const;

/** `settings` with every proposable key the person did not give replaced by the account's proposal. */
export function proposeSettings(
  settings: ConnectionSettings,
  books: ReferenceBooks,
  given: ReadonlySet<string>,
): ConnectionSettings {
  const proposal = settingsFromBooks(books);
  const next: Record<string, unknown> = { ...settings };
  for (const key of PROPOSED_KEYS) {
    if (!given.has(key) && proposal[key] !== undefined) next[key] = proposal[key];
  }
  return next as ConnectionSettings;
}
