import type { SaleCreateInput } from '@connector/domain';
import type { z } from 'zod';
import type { ApiContext } from './api-context.js';
import {
  type JsonPatchOperation,
  jsonPointer,
  NOTIFICATION_EXTENSION,
  type NotificationSubscriptionInput,
  subscribeNotificationsPatch,
  unsubscribeNotificationsPatch,
} from './json-patch.js';
import {
  encodeRefundCreate,
  type Payment,
  type Refund,
  type RefundCreateInput,
  toPayment,
  toRefund,
  wireMoneyDocumentSchema,
} from './money-document.js';
import { type NotificationSubscription, toOrganization, wireOrganizationSchema } from './organization.js';
import { listing, type PagingOptions } from './paging.js';
import { encode } from './request.js';
import {
  encodeSaleCreate,
  type Sale,
  type SaleListParams,
  saleListQuery,
  toSale,
  wireSaleSchema,
} from './sale.js';
import { type ListParams, listQuery, type Page } from './wire.js';

type WireSale = z.infer<typeof wireSaleSchema>;
type WireMoneyDocument = z.infer<typeof wireMoneyDocumentSchema>;

/** Sales (docs/LIFEPOS-API.md, «Sales»); `iterate` / `all` page through a search with the guarded pager. */
export function salesApi(api: ApiContext) {
  const sale = (wire: WireSale) => toSale(wire, api.money);
  const path = (guid: string) => api.org('deals', 'sales', guid);
  return {
    ...listing('sales', (params: SaleListParams) =>
      api.page(api.org('deals', 'sales'), wireSaleSchema, sale, saleListQuery(params)),
    ),
    /** 201 with the sale. A repeat with the same `guid` fails with API code `Duplicate` (`isDuplicate`). */
    create: (input: SaleCreateInput): Promise<Sale> =>
      api.create(
        api.org('deals', 'sales'),
        encode('the sale', () => encodeSaleCreate(input, api.money)),
        wireSaleSchema,
        sale,
      ),
    /** Archived sales are returned too (`archived: true`). */
    get: (guid: string): Promise<Sale> => api.one(path(guid), wireSaleSchema, sale),
    /** The sale (archived ones too), or null when LIFE POS has no sale with this guid. */
    find: (guid: string): Promise<Sale | null> => api.oneOrNull(path(guid), wireSaleSchema, sale),
    /** JSON Patch, all or nothing; 204. */
    patch: (guid: string, operations: JsonPatchOperation[]): Promise<void> =>
      api.patch(path(guid), operations),
    /** Cancel is allowed only while the sale is `New` (docs/LIFEPOS-API.md, «Transition rules»). */
    cancel: (guid: string): Promise<void> =>
      api.patch(path(guid), [{ op: 'replace', path: jsonPointer('state'), value: 'Cancelled' }]),
    /** "Move to the archive": DELETE sets `deleted_at`; the sale stays readable. */
    archive: (guid: string): Promise<void> => api.call<void>({ method: 'DELETE', path: path(guid) }),
  };
}

/** Payment and refund documents of a sale (docs/LIFEPOS-API.md, «Money documents»). */
export function moneyApi(api: ApiContext) {
  const payment = (wire: WireMoneyDocument) => toPayment(wire, api.money);
  const refund = (wire: WireMoneyDocument) => toRefund(wire, api.money);
  const docs = (saleGuid: string, ...segments: string[]) =>
    api.org('deals', 'sales', saleGuid, 'docs', 'money', ...segments);
  const payments = (saleGuid: string) =>
    listing('payments', (params: ListParams) =>
      api.page(docs(saleGuid, 'payments'), wireMoneyDocumentSchema, payment, listQuery(params)),
    );
  const refunds = (saleGuid: string) =>
    listing('refunds', (params: ListParams) =>
      api.page(docs(saleGuid, 'refunds'), wireMoneyDocumentSchema, refund, listQuery(params)),
    );
  return {
    listPayments: (saleGuid: string, params: ListParams = {}): Promise<Page<Payment>> =>
      payments(saleGuid).list(params),
    /** Every payment document of the sale, archived ones too unless `params.selection` says otherwise. */
    allPayments: (saleGuid: string, params: ListParams = {}, options?: PagingOptions): Promise<Payment[]> =>
      payments(saleGuid).all(params, options),
    getPayment: (saleGuid: string, guid: string): Promise<Payment> =>
      api.one(docs(saleGuid, 'payments', guid), wireMoneyDocumentSchema, payment),
    listRefunds: (saleGuid: string, params: ListParams = {}): Promise<Page<Refund>> =>
      refunds(saleGuid).list(params),
    allRefunds: (saleGuid: string, params: ListParams = {}, options?: PagingOptions): Promise<Refund[]> =>
      refunds(saleGuid).all(params, options),
    getRefund: (saleGuid: string, guid: string): Promise<Refund> =>
      api.one(docs(saleGuid, 'refunds', guid), wireMoneyDocumentSchema, refund),
    /** Refunds (part of) a payment of the sale; total = cash + card. A repeated `guid` is `Duplicate`. */
    createRefund: (saleGuid: string, input: RefundCreateInput): Promise<Refund> =>
      api.create(
        docs(saleGuid, 'refunds'),
        encode('the refund', () => encodeRefundCreate(input, api.money)),
        wireMoneyDocumentSchema,
        refund,
      ),
  };
}

/** The organization's `notification_service` extension (docs/LIFEPOS-API.md, «Subscribing»). */
export function notificationsApi(api: ApiContext) {
  const notifications = {
    /** The current `notification_service` extension, or null when none is set. */
    get: (): Promise<NotificationSubscription | null> =>
      api.one(api.org(), wireOrganizationSchema, (wire) => toOrganization(wire).notificationService ?? null, [
        NOTIFICATION_EXTENSION,
      ]),
    /** Points LIFE POS notifications at `url` (idempotent). */
    subscribe: (input: NotificationSubscriptionInput): Promise<void> =>
      api.patch(api.org(), subscribeNotificationsPatch(input), [NOTIFICATION_EXTENSION]),
    /** Turns notifications off; a no-op when they are not on (a `replace` of a missing path would fail). */
    async unsubscribe(): Promise<void> {
      const current = await notifications.get();
      if (!current?.turnedOn) return;
      await api.patch(api.org(), unsubscribeNotificationsPatch(), [NOTIFICATION_EXTENSION]);
    },
  };
  return notifications;
}
