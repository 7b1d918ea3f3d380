import { z } from 'zod';
import type { CrmApi } from './api-context.js';
import type { By, OrderRef, RetailCrmPaymentCreate, RetailCrmPaymentPatch } from './client-types.js';
import { RetailCrmApiError } from './errors.js';
import type { RetailCrmOrder } from './order.schema.js';

const successSchema = z.looseObject({});
const idSchema = z.looseObject({ id: z.number().int() });

export interface CreatedPayment {
  id: number;
  /** False when the order already had a payment with this `externalId` (an earlier create whose answer was lost). */
  created: boolean;
}

/** RetailCRM refused the create because a payment with the same `externalId` exists (unique in the account). */
function isDuplicateExternalId(error: unknown): error is RetailCrmApiError {
  return error instanceof RetailCrmApiError && error.errors.externalId !== undefined;
}

/** Order payments (docs/RETAILCRM-API.md, «Payments»). */
export function paymentsApi(
  api: CrmApi,
  findOrderByRef: (ref: OrderRef, site?: string) => Promise<RetailCrmOrder | null>,
) {
  function paymentBody(payment: RetailCrmPaymentPatch & { order?: OrderRef }): Record<string, unknown> {
    return { ...payment, amount: api.rubles(payment.amount), paidAt: api.date(payment.paidAt, 'date-time') };
  }

  return {
    /**
     * Creates the payment. A create repeated with an `externalId` the order already has (the answer of
     * the first one was lost) is refused by RetailCRM (docs/RETAILCRM-API.md, «Payments»); that payment is
     * answered instead, with `created: false`. A duplicate on another order still throws.
     */
    async createPayment(
      payment: RetailCrmPaymentCreate,
      opts: { site?: string } = {},
    ): Promise<CreatedPayment> {
      try {
        const answer = await api.call('POST', api.v5('/orders/payments/create'), idSchema, {
          form: { site: opts.site, payment: paymentBody(payment) },
        });
        return { id: answer.id, created: true };
      } catch (error) {
        if (payment.externalId === undefined || !isDuplicateExternalId(error)) throw error;
        const order = await findOrderByRef(payment.order, opts.site);
        const existing = order?.payments.find((candidate) => candidate.externalId === payment.externalId);
        if (!existing) throw error;
        return { id: existing.id, created: false };
      }
    },

    async editPayment(
      id: string | number,
      patch: RetailCrmPaymentPatch,
      opts: { by?: By; site?: string } = {},
    ): Promise<void> {
      await api.call('POST', api.v5(`/orders/payments/${api.segment(id)}/edit`), successSchema, {
        form: { by: opts.by ?? 'id', site: opts.site, payment: paymentBody(patch) },
      });
    },

    async deletePayment(id: number): Promise<void> {
      await api.call('POST', api.v5(`/orders/payments/${api.segment(id)}/delete`), successSchema, {
        form: { id },
      });
    },
  };
}
