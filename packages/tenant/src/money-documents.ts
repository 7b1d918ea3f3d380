import type { LifePosClient, Page, Payment, Refund } from '@connector/lifepos';

/** A sale has a few money documents; the bound only stops a paging loop. */
const MAX_PAGES = 20;

async function readAll<T>(list: (pageToken: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const listed = await list(pageToken);
    items.push(...listed.items);
    pageToken = listed.nextPageToken;
    if (!pageToken) break;
  }
  return items;
}

/** Every payment and refund document of a sale (archived ones too: the decisions skip them). */
export async function readMoneyDocuments(
  lifepos: LifePosClient,
  saleGuid: string,
): Promise<{ payments: Payment[]; refunds: Refund[] }> {
  const [payments, refunds] = await Promise.all([
    readAll((pageToken) => lifepos.money.listPayments(saleGuid, { itemsPerPage: 100, pageToken })),
    readAll((pageToken) => lifepos.money.listRefunds(saleGuid, { itemsPerPage: 100, pageToken })),
  ]);
  return { payments, refunds };
}
