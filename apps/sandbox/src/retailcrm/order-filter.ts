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

/** The code and reference filters: which orders, by id, number, site, status, types, people, country. */
function readReferences(f: FilterReader) {
  return {
    ids: f.ints('ids'),
    externalIds: f.strings('externalIds'),
    numbers: f.strings('numbers'),
    sites: f.strings('sites'),
    extendedStatus: f.strings('extendedStatus'),
    orderTypes: f.strings('orderTypes'),
    orderMethods: f.strings('orderMethods'),
    paymentStatuses: f.strings('paymentStatuses'),
    paymentTypes: f.strings('paymentTypes'),
    deliveryTypes: f.strings('deliveryTypes'),
    shipmentStores: f.strings('shipmentStores'),
    managers: f.ints('managers'),
    couriers: f.ints('couriers'),
    customerId: f.int('customerId'),
    customerExternalId: f.string('customerExternalId'),
    email: f.string('email'),
    countries: f.strings('countries'),
  };
}

/** The flag, sum and comment filters. */
function readValues(f: FilterReader) {
  return {
    expired: f.bool('expired'),
    call: f.bool('call'),
    shipped: f.bool('shipped'),
    minPrice: f.number('minPrice'),
    maxPrice: f.number('maxPrice'),
    minPrepay: f.number('minPrepaySumm'),
    maxPrepay: f.number('maxPrepaySumm'),
    managerComment: f.string('managerComment'),
    customerComment: f.string('customerComment'),
  };
}

/** The date ranges and the custom fields. */
function readDatesAndFields(f: FilterReader) {
  return {
    created: [f.date('createdAtFrom', 'from'), f.date('createdAtTo', 'to')] as const,
    statusUpdated: [f.date('statusUpdatedAtFrom', 'from'), f.date('statusUpdatedAtTo', 'to')] as const,
    fullPaid: [f.date('fullPaidAtFrom', 'from'), f.date('fullPaidAtTo', 'to')] as const,
    deliveryDate: [f.date('deliveryDateFrom', 'from'), f.date('deliveryDateTo', 'to')] as const,
    shipmentDate: [f.date('shipmentDateFrom', 'from'), f.date('shipmentDateTo', 'to')] as const,
    customFields: f.map('customFields'),
  };
}

function matchesReferences(
  account: CrmAccount,
  order: OrderRecord,
  r: ReturnType<typeof readReferences>,
): boolean {
  const statusGroup = account.statuses.get(order.status)?.group;
  const customer = account.customers.get(order.customerId);
  const courierId = order.delivery.data.courierId;
  return (
    oneOf(r.ids, order.id) &&
    oneOf(r.externalIds, order.externalId) &&
    oneOf(r.numbers, order.number) &&
    oneOf(r.sites, order.site) &&
    (!r.extendedStatus || r.extendedStatus.includes(order.status) || oneOf(r.extendedStatus, statusGroup)) &&
    oneOf(r.orderTypes, order.orderType) &&
    oneOf(r.orderMethods, order.orderMethod) &&
    anyIn(
      r.paymentStatuses,
      order.payments.map((payment) => payment.status),
    ) &&
    anyIn(
      r.paymentTypes,
      order.payments.map((payment) => payment.type),
    ) &&
    oneOf(r.deliveryTypes, order.delivery.code) &&
    oneOf(r.shipmentStores, order.shipmentStore) &&
    oneOf(r.managers, order.managerId) &&
    oneOf(r.couriers, typeof courierId === 'number' ? courierId : undefined) &&
    (r.customerId === undefined || order.customerId === r.customerId) &&
    (r.customerExternalId === undefined || customer?.externalId === r.customerExternalId) &&
    (r.email === undefined || order.email === r.email) &&
    oneOf(r.countries, order.countryIso)
  );
}

function matchesValues(order: OrderRecord, v: ReturnType<typeof readValues>): boolean {
  const totals = orderTotals(order);
  return (
    (v.expired === undefined || order.expired === v.expired) &&
    (v.call === undefined || order.call === v.call) &&
    (v.shipped === undefined || order.shipped === v.shipped) &&
    (v.minPrice === undefined || totals.totalSumm >= v.minPrice) &&
    (v.maxPrice === undefined || totals.totalSumm <= v.maxPrice) &&
    (v.minPrepay === undefined || order.prepaySum >= v.minPrepay) &&
    (v.maxPrepay === undefined || order.prepaySum <= v.maxPrepay) &&
    (v.managerComment === undefined || (order.managerComment ?? '').includes(v.managerComment)) &&
    (v.customerComment === undefined || (order.customerComment ?? '').includes(v.customerComment))
  );
}

function matchesDatesAndFields(order: OrderRecord, d: ReturnType<typeof readDatesAndFields>): boolean {
  return (
    inRange(order.createdAt, ...d.created) &&
    inRange(order.statusUpdatedAt, ...d.statusUpdated) &&
    inRange(order.fullPaidAt, ...d.fullPaid) &&
    inRange(order.delivery.date, ...d.deliveryDate) &&
    inRange(order.shipmentDate, ...d.shipmentDate) &&
    Object.entries(d.customFields ?? {}).every(([code, wanted]) =>
      customFieldMatches(order.customFields[code], wanted),
    )
  );
}

/** Parses (and validates) the filter up front, then returns the predicate. */
export function orderFilter(account: CrmAccount, query: Params): (order: OrderRecord) => boolean {
  const f = new FilterReader(query, DOCUMENTED, SIMULATED);
  const references = readReferences(f);
  const values = readValues(f);
  const dates = readDatesAndFields(f);
  return (order) =>
    matchesReferences(account, order, references) &&
    matchesValues(order, values) &&
    matchesDatesAndFields(order, dates);
}
