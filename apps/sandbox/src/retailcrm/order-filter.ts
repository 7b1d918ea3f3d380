import type { CrmAccount } from './account.js';
import { isParams, type Params, type ParamValue, paramList, paramString } from './bracket-params.js';
import { FilterReader, inRange } from './list-params.js';
import { orderTotals } from './order-view.js';
import type { OrderRecord } from './records.js';

/**
 * Every `filter[...]` key `GET /api/v5/orders` documents (docs/RETAILCRM-API.md, «Order list»). There is no
 * `statuses[]`.
 */
const DOCUMENTED = [
  'ids',
  'externalIds',
  'numbers',
  'sites',
  'extendedStatus',
  'orderTypes',
  'orderMethods',
  'paymentStatuses',
  'paymentTypes',
  'deliveryTypes',
  'deliveryServices',
  'shipmentStores',
  'managers',
  'managerGroups',
  'couriers',
  'customer',
  'customerId',
  'customerExternalId',
  'email',
  'countries',
  'city',
  'region',
  'index',
  'metro',
  'product',
  'trackNumber',
  'deliveryExternalId',
  'contragentName',
  'contragentTypes',
  'contragentInn',
  'contragentKpp',
  'contragentBik',
  'contragentCorrAccount',
  'contragentBankAccount',
  'companyName',
  'customerType',
  'vip',
  'bad',
  'expired',
  'call',
  'online',
  'shipped',
  'attachments',
  'uploadedToExtStoreSys',
  'receiptStatus',
  'receiptOperation',
  'receiptOrderStatus',
  'receiptFiscalDocumentAttribute',
  'tasksCounts',
  'deliveryStates',
  'minPrice',
  'maxPrice',
  'minPrepaySumm',
  'maxPrepaySumm',
  'minDeliveryCost',
  'maxDeliveryCost',
  'minDeliveryNetCost',
  'maxDeliveryNetCost',
  'minMarginSumm',
  'maxMarginSumm',
  'minPurchaseSumm',
  'maxPurchaseSumm',
  'minCostSumm',
  'maxCostSumm',
  'managerComment',
  'customerComment',
  'createdAtFrom',
  'createdAtTo',
  'statusUpdatedAtFrom',
  'statusUpdatedAtTo',
  'paidAtFrom',
  'paidAtTo',
  'fullPaidAtFrom',
  'fullPaidAtTo',
  'deliveryDateFrom',
  'deliveryDateTo',
  'shipmentDateFrom',
  'shipmentDateTo',
  'deliveryTimeFrom',
  'deliveryTimeTo',
  'firstWebVisitFrom',
  'firstWebVisitTo',
  'lastWebVisitFrom',
  'lastWebVisitTo',
  'firstOrderFrom',
  'firstOrderTo',
  'lastOrderFrom',
  'lastOrderTo',
  'dpdParcelDateFrom',
  'dpdParcelDateTo',
  'sourceName',
  'mediumName',
  'campaignName',
  'keywordName',
  'adContentName',
  'customFields',
  'mgChannels',
];

const SIMULATED = [
  'ids',
  'externalIds',
  'numbers',
  'sites',
  'extendedStatus',
  'orderTypes',
  'orderMethods',
  'paymentStatuses',
  'paymentTypes',
  'deliveryTypes',
  'shipmentStores',
  'managers',
  'couriers',
  'customerId',
  'customerExternalId',
  'email',
  'countries',
  'expired',
  'call',
  'shipped',
  'minPrice',
  'maxPrice',
  'minPrepaySumm',
  'maxPrepaySumm',
  'managerComment',
  'customerComment',
  'createdAtFrom',
  'createdAtTo',
  'statusUpdatedAtFrom',
  'statusUpdatedAtTo',
  'fullPaidAtFrom',
  'fullPaidAtTo',
  'deliveryDateFrom',
  'deliveryDateTo',
  'shipmentDateFrom',
  'shipmentDateTo',
  'customFields',
];

const anyIn = <T>(wanted: T[] | undefined, values: T[]) =>
  !wanted || values.some((value) => wanted.includes(value));
const oneOf = <T>(wanted: T[] | undefined, value: T | undefined) =>
  !wanted || (value !== undefined && wanted.includes(value));

/** `customFields[code]=value`, or `[min]`/`[max]` for numbers and dates; booleans compare as 0/1. */
function customFieldMatches(actual: unknown, wanted: ParamValue): boolean {
  const text =
    typeof actual === 'boolean'
      ? actual
        ? '1'
        : '0'
      : actual === undefined || actual === null
        ? ''
        : String(actual);
  if (typeof wanted === 'string')
    return text === wanted || (typeof actual === 'boolean' && String(actual) === wanted);
  if (!isParams(wanted)) return paramList(wanted)?.includes(text) ?? false;
  const compare = (bound: string) =>
    typeof actual === 'number' && /^-?\d+(\.\d+)?$/.test(bound)
      ? actual - Number(bound)
      : text.localeCompare(bound);
  const min = paramString(wanted.min);
  const max = paramString(wanted.max);
  if (text === '') return false;
  return (min === undefined || compare(min) >= 0) && (max === undefined || compare(max) <= 0);
}

/** Parses (and validates) the filter up front, then returns the predicate. */
export function orderFilter(account: CrmAccount, query: Params): (order: OrderRecord) => boolean {
  const f = new FilterReader(query, DOCUMENTED, SIMULATED);
  const ids = f.ints('ids');
  const externalIds = f.strings('externalIds');
  const numbers = f.strings('numbers');
  const sites = f.strings('sites');
  const extendedStatus = f.strings('extendedStatus');
  const orderTypes = f.strings('orderTypes');
  const orderMethods = f.strings('orderMethods');
  const paymentStatuses = f.strings('paymentStatuses');
  const paymentTypes = f.strings('paymentTypes');
  const deliveryTypes = f.strings('deliveryTypes');
  const shipmentStores = f.strings('shipmentStores');
  const managers = f.ints('managers');
  const couriers = f.ints('couriers');
  const customerId = f.int('customerId');
  const customerExternalId = f.string('customerExternalId');
  const email = f.string('email');
  const countries = f.strings('countries');
  const expired = f.bool('expired');
  const call = f.bool('call');
  const shipped = f.bool('shipped');
  const minPrice = f.number('minPrice');
  const maxPrice = f.number('maxPrice');
  const minPrepay = f.number('minPrepaySumm');
  const maxPrepay = f.number('maxPrepaySumm');
  const managerComment = f.string('managerComment');
  const customerComment = f.string('customerComment');
  const created = [f.date('createdAtFrom', 'from'), f.date('createdAtTo', 'to')] as const;
  const statusUpdated = [f.date('statusUpdatedAtFrom', 'from'), f.date('statusUpdatedAtTo', 'to')] as const;
  const fullPaid = [f.date('fullPaidAtFrom', 'from'), f.date('fullPaidAtTo', 'to')] as const;
  const deliveryDate = [f.date('deliveryDateFrom', 'from'), f.date('deliveryDateTo', 'to')] as const;
  const shipmentDate = [f.date('shipmentDateFrom', 'from'), f.date('shipmentDateTo', 'to')] as const;
  const customFields = f.map('customFields');

  return (order) => {
    const totals = orderTotals(order);
    const statusGroup = account.statuses.get(order.status)?.group;
    const customer = account.customers.get(order.customerId);
    const courierId = order.delivery.data.courierId;
    return (
      oneOf(ids, order.id) &&
      oneOf(externalIds, order.externalId) &&
      oneOf(numbers, order.number) &&
      oneOf(sites, order.site) &&
      (!extendedStatus || extendedStatus.includes(order.status) || oneOf(extendedStatus, statusGroup)) &&
      oneOf(orderTypes, order.orderType) &&
      oneOf(orderMethods, order.orderMethod) &&
      anyIn(
        paymentStatuses,
        order.payments.map((payment) => payment.status),
      ) &&
      anyIn(
        paymentTypes,
        order.payments.map((payment) => payment.type),
      ) &&
      oneOf(deliveryTypes, order.delivery.code) &&
      oneOf(shipmentStores, order.shipmentStore) &&
      oneOf(managers, order.managerId) &&
      oneOf(couriers, typeof courierId === 'number' ? courierId : undefined) &&
      (customerId === undefined || order.customerId === customerId) &&
      (customerExternalId === undefined || customer?.externalId === customerExternalId) &&
      (email === undefined || order.email === email) &&
      oneOf(countries, order.countryIso) &&
      (expired === undefined || order.expired === expired) &&
      (call === undefined || order.call === call) &&
      (shipped === undefined || order.shipped === shipped) &&
      (minPrice === undefined || totals.totalSumm >= minPrice) &&
      (maxPrice === undefined || totals.totalSumm <= maxPrice) &&
      (minPrepay === undefined || order.prepaySum >= minPrepay) &&
      (maxPrepay === undefined || order.prepaySum <= maxPrepay) &&
      (managerComment === undefined || (order.managerComment ?? '').includes(managerComment)) &&
      (customerComment === undefined || (order.customerComment ?? '').includes(customerComment)) &&
      inRange(order.createdAt, ...created) &&
      inRange(order.statusUpdatedAt, ...statusUpdated) &&
      inRange(order.fullPaidAt, ...fullPaid) &&
      inRange(order.delivery.date, ...deliveryDate) &&
      inRange(order.shipmentDate, ...shipmentDate) &&
      Object.entries(customFields ?? {}).every(([code, wanted]) =>
        customFieldMatches(order.customFields[code], wanted),
      )
    );
  };
}
