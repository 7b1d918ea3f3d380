/**
 * What a RetailCRM order status means to the connector, from the connection's settings: a cancel status
 * (`closed` cancels the sale), a delete status (the "erroneous cancel": the sale is archived so the order
 * can be sent again with new contents) or any other status.
 */

export type OrderStatusRole = 'cancel' | 'delete' | 'other';

export interface StatusSettings {
  cancelStatuses: readonly string[];
  deleteStatuses: readonly string[];
}

/** A status listed in both lists counts as a delete status: archiving is what the tenant configured it for. */
export function orderStatusRole(status: string, settings: StatusSettings): OrderStatusRole {
  if (settings.deleteStatuses.includes(status)) return 'delete';
  if (settings.cancelStatuses.includes(status)) return 'cancel';
  return 'other';
}

/** The order's payments that are in one of the connection's refund payment statuses. */
export function paymentsToRefund<P extends { status?: string | null | undefined }>(
  payments: readonly P[],
  refundPaymentStatuses: readonly string[],
): P[] {
  return payments.filter(
    (payment) => typeof payment.status === 'string' && refundPaymentStatuses.includes(payment.status),
  );
}
