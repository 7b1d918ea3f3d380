import {
  type CustomerRecord,
  type DeliveryRecord,
  type ItemRecord,
  type OrderRecord,
  roundMoney,
} from './records.js';
import type { Courier } from './seed-schema.js';

/**
 * Orders as the API prints them (docs/RETAILCRM-API.md, «Order JSON»), quirks included: `slug` = `id`, empty
 * `customFields` and item `properties` as `[]`, `payments` keyed by id in reads (`{}` when empty) but an
 * array in create/edit responses and history snapshots (docs/RETAILCRM-API.md, gap CRM-7).
 */
export type PaymentsShape = 'keyed' | 'array';

export interface OrderViewContext {
  customers: ReadonlyMap<number, CustomerRecord>;
  couriers: ReadonlyMap<number, Courier>;
  deliveryIntegrationCode(code: string): string | undefined;
}

const UNIT = { code: 'pc', name: 'Штука', sym: 'шт.' };

/** An empty PHP array prints as `[]`, not `{}`. */
const phpMap = (value: Record<string, unknown>): Record<string, unknown> | [] =>
  Object.keys(value).length === 0 ? [] : value;

export function itemDiscountTotal(item: ItemRecord): number {
  return roundMoney(item.discountManualAmount + (item.initialPrice * item.discountManualPercent) / 100);
}

export function itemPrice(item: ItemRecord): number {
  return roundMoney(item.initialPrice - itemDiscountTotal(item));
}

/**
 * docs/RETAILCRM-API.md, gap CRM-11 leaves the formula open; the stated one is
 * `totalSumm = summ + delivery cost − order discounts`.
 */
export function orderTotals(order: OrderRecord): { summ: number; totalSumm: number; purchaseSumm: number } {
  const summ = roundMoney(order.items.reduce((sum, item) => sum + itemPrice(item) * item.quantity, 0));
  const orderDiscount = order.discountManualAmount + (summ * order.discountManualPercent) / 100;
  return {
    summ,
    totalSumm: roundMoney(summ + order.delivery.cost - orderDiscount),
    purchaseSumm: roundMoney(order.items.reduce((sum, item) => sum + item.purchasePrice * item.quantity, 0)),
  };
}

export function renderItem(item: ItemRecord): Record<string, unknown> {
  const discountTotal = itemDiscountTotal(item);
  return {
    id: item.id,
    ...(item.externalIds.length > 0 ? { externalIds: item.externalIds } : {}),
    initialPrice: item.initialPrice,
    discountManualAmount: item.discountManualAmount,
    discountManualPercent: item.discountManualPercent,
    discountTotal,
    discounts:
      discountTotal > 0
        ? [{ type: 'manual_product', amount: roundMoney(discountTotal * item.quantity) }]
        : [],
    prices: [{ price: itemPrice(item), quantity: item.quantity }],
    vatRate: item.vatRate,
    createdAt: item.createdAt,
    quantity: item.quantity,
    status: item.status,
    ...(item.comment === undefined ? {} : { comment: item.comment }),
    ...(item.priceType ? { priceType: item.priceType } : {}),
    offer: {
      ...item.offer,
      displayName: item.offer.name,
      vatRate: item.vatRate,
      unit: UNIT,
    },
    productName: item.productName,
    properties: phpMap(item.properties),
    purchasePrice: item.purchasePrice,
    isCanceled: false,
  };
}

function renderDelivery(delivery: DeliveryRecord, context: OrderViewContext): Record<string, unknown> {
  const courierId = delivery.data.courierId;
  const courier = typeof courierId === 'number' ? context.couriers.get(courierId) : undefined;
  const data = courier
    ? {
        ...delivery.data,
        id: courier.id,
        firstName: courier.firstName,
        lastName: courier.lastName,
        patronymic: courier.patronymic,
        active: courier.active,
        email: courier.email,
        phone: courier.phone,
        description: courier.description,
      }
    : delivery.data;
  const integrationCode = delivery.code ? context.deliveryIntegrationCode(delivery.code) : undefined;
  return {
    ...(delivery.code ? { code: delivery.code } : {}),
    ...(integrationCode ? { integrationCode } : {}),
    cost: delivery.cost,
    netCost: delivery.netCost,
    ...(delivery.vatRate ? { vatRate: delivery.vatRate } : {}),
    ...(delivery.date ? { date: delivery.date } : {}),
    ...(delivery.time ? { time: delivery.time } : {}),
    address: delivery.address,
    ...(Object.keys(data).length > 0 ? { data } : {}),
  };
}

function renderCustomer(customer: CustomerRecord | undefined): Record<string, unknown> | undefined {
  if (!customer) return undefined;
  return { ...customer, customFields: [], tags: [], segments: [] };
}

export function renderOrder(
  order: OrderRecord,
  context: OrderViewContext,
  payments: PaymentsShape,
): Record<string, unknown> {
  const totals = orderTotals(order);
  const customer = renderCustomer(context.customers.get(order.customerId));
  return {
    slug: order.id,
    id: order.id,
    number: order.number,
    ...(order.externalId === undefined ? {} : { externalId: order.externalId }),
    orderType: order.orderType,
    orderMethod: order.orderMethod,
    privilegeType: 'none',
    countryIso: order.countryIso,
    createdAt: order.createdAt,
    statusUpdatedAt: order.statusUpdatedAt,
    summ: totals.summ,
    totalSumm: totals.totalSumm,
    prepaySum: order.prepaySum,
    purchaseSumm: totals.purchaseSumm,
    ...(order.fullPaidAt ? { fullPaidAt: order.fullPaidAt } : {}),
    discountManualAmount: order.discountManualAmount,
    discountManualPercent: order.discountManualPercent,
    currency: order.currency,
    ...(order.firstName === undefined ? {} : { firstName: order.firstName }),
    ...(order.lastName === undefined ? {} : { lastName: order.lastName }),
    ...(order.patronymic === undefined ? {} : { patronymic: order.patronymic }),
    ...(order.phone === undefined ? {} : { phone: order.phone }),
    ...(order.additionalPhone === undefined ? {} : { additionalPhone: order.additionalPhone }),
    ...(order.email === undefined ? {} : { email: order.email }),
    ...(order.managerId === undefined ? {} : { managerId: order.managerId }),
    ...(order.customerComment === undefined ? {} : { customerComment: order.customerComment }),
    ...(order.managerComment === undefined ? {} : { managerComment: order.managerComment }),
    call: order.call,
    expired: order.expired,
    ...(customer ? { customer, contact: customer } : {}),
    contragent: order.contragent,
    delivery: renderDelivery(order.delivery, context),
    site: order.site,
    status: order.status,
    ...(order.statusComment === undefined ? {} : { statusComment: order.statusComment }),
    items: order.items.map(renderItem),
    payments:
      payments === 'array'
        ? order.payments.map((payment) => ({ ...payment }))
        : Object.fromEntries(order.payments.map((payment) => [String(payment.id), { ...payment }])),
    fromApi: order.fromApi,
    ...(order.shipmentStore === undefined ? {} : { shipmentStore: order.shipmentStore }),
    ...(order.shipmentDate === undefined ? {} : { shipmentDate: order.shipmentDate }),
    shipped: order.shipped,
    ...(order.source ? { source: order.source } : {}),
    customFields: phpMap(order.customFields),
  };
}

/** The order stub carried by non-creation history entries. */
export function historyOrderStub(order: OrderRecord): Record<string, unknown> {
  return {
    id: order.id,
    ...(order.externalId === undefined ? {} : { externalId: order.externalId }),
    ...(order.managerId === undefined ? {} : { managerId: order.managerId }),
    site: order.site,
    status: order.status,
  };
}
