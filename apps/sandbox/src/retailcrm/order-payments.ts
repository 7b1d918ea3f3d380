import type { CrmAccount } from './account.js';
import { type Errors, NOT_BLANK, NOT_VALID } from './account-errors.js';
import { doesNotExist } from './api-error.js';
import { DATE_TIME } from './crm-time.js';
import type { PaymentInput } from './order-input.js';
import { orderTotals } from './order-view.js';
import type { Actor, OrderRecord, PaymentRecord } from './records.js';
import { roundMoney } from './records.js';

/** The book's default for who writes (`defaultForApi` / `defaultForCrm`), else its first entry. */
export function defaultCode<T extends { code: string; defaultForApi?: boolean; defaultForCrm?: boolean }>(
  book: Map<string, T>,
  actor: Actor,
): string | undefined {
  const items = [...book.values()];
  const preferred = items.find((item) => (actor.kind === 'api' ? item.defaultForApi : item.defaultForCrm));
  return (preferred ?? items[0])?.code;
}

/** A new payment of the order, checked like the API does (its id is given when it is stored). */
export function buildPayment(
  account: CrmAccount,
  order: OrderRecord,
  input: PaymentInput,
  actor: Actor,
  errors: Errors,
  prefix = '',
): PaymentRecord {
  const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
  if (input.type === undefined) errors[at('type')] = NOT_BLANK;
  else if (!account.paymentTypes.has(input.type))
    errors[at('type')] = doesNotExist('PaymentType', 'code', input.type);
  const status = input.status ?? defaultCode(account.paymentStatuses, actor) ?? 'not-paid';
  if (!account.paymentStatuses.has(status))
    errors[at('status')] = doesNotExist('PaymentStatus', 'code', status);
  if (input.paidAt && !DATE_TIME.test(input.paidAt)) errors[at('paidAt')] = NOT_VALID;
  if (input.amount !== undefined && input.amount < 0)
    errors[at('amount')] = 'This value should be greater than or equal to 0.';
  const paid = order.payments.reduce((sum, payment) => sum + payment.amount, 0);
  const paidAt =
    input.paidAt ?? (account.paymentStatuses.get(status)?.paymentComplete ? account.now() : undefined);
  return {
    id: 0,
    type: input.type ?? '',
    status,
    amount: input.amount ?? Math.max(0, roundMoney(orderTotals(order).totalSumm - paid)),
    ...(paidAt ? { paidAt } : {}),
    ...(input.externalId === undefined ? {} : { externalId: input.externalId }),
    ...(input.comment === undefined ? {} : { comment: input.comment }),
  };
}
