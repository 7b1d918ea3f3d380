import type { LifePosClient, Payment, Refund } from '@connector/lifepos';

/**
 * Every payment and refund document of a sale (archived ones too: the decisions skip them). With
 * `refunds: false` (the caller read a sale whose payment status says nothing was refunded: a refund moves
 * it to `PartiallyRefunded` / `Refunded`: docs/LIFEPOS-API.md, «Status fields») the refund list is not
 * read: one LIFE POS call fewer.
 */
export async function readMoneyDocuments(
  lifepos: LifePosClient,
  saleGuid: string,
  { refunds: withRefunds = true }: { refunds?: boolean } = {},
): Promise<{ payments: Payment[]; refunds: Refund[] }> {
  const [payments, refunds] = await Promise.all([
    lifepos.money.allPayments(saleGuid),
    withRefunds ? lifepos.money.allRefunds(saleGuid) : [],
  ]);
  return { payments, refunds };
}
