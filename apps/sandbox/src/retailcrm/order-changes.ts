import { itemDiscountTotal, type OrderViewContext, renderItem } from './order-view.js';
import type { ItemRecord, OrderRecord, PaymentRecord } from './records.js';

/**
 * One history-worthy change of an order, with the field ids of docs/RETAILCRM-API.md, «Order history»:
 * reference-book values print as `{code}`, users/customers as `{id}`, plain values as themselves, absent
 * values as `null`.
 */
export interface FieldChange {
  field: string;
  oldValue: unknown;
  newValue: unknown;
  item?: Record<string, unknown>;
  payment?: Record<string, unknown>;
}

type Encoder = (value: unknown) => unknown;
const plain: Encoder = (value) => value ?? null;
const byCode: Encoder = (value) => (value === undefined || value === null ? null : { code: value });
const byId: Encoder = (value) => (value === undefined || value === null ? null : { id: value });

const ORDER_FIELDS: [keyof OrderRecord, string, Encoder][] = [
  ['number', 'number', plain],
  ['externalId', 'external_id', plain],
  ['site', 'site', byCode],
  ['orderType', 'order_type', byCode],
  ['orderMethod', 'order_method', byCode],
  ['status', 'status', byCode],
  ['statusComment', 'status_comment', plain],
  ['managerId', 'manager', byId],
  ['customerId', 'customer', byId],
  ['countryIso', 'country', plain],
  ['firstName', 'first_name', plain],
  ['lastName', 'last_name', plain],
  ['patronymic', 'patronymic', plain],
  ['phone', 'phone', plain],
  ['additionalPhone', 'additional_phone', plain],
  ['email', 'email', plain],
  ['customerComment', 'customer_comment', plain],
  ['managerComment', 'manager_comment', plain],
  ['call', 'call', plain],
  ['expired', 'expired', plain],
  ['discountManualAmount', 'discount_manual_amount', plain],
  ['discountManualPercent', 'discount_manual_percent', plain],
  ['shipmentStore', 'shipment_store', byCode],
  ['shipmentDate', 'shipment_date', plain],
  ['shipped', 'shipped', plain],
];

const ITEM_FIELDS: [string, string, (item: ItemRecord) => unknown][] = [
  ['quantity', 'order_product.quantity', (item) => item.quantity],
  ['initialPrice', 'order_product.initial_price', (item) => item.initialPrice],
  ['discountManualAmount', 'order_product.discount_manual_amount', (item) => item.discountManualAmount],
  ['discountManualPercent', 'order_product.discount_manual_percent', (item) => item.discountManualPercent],
  ['discountTotal', 'order_product.discount_total', itemDiscountTotal],
  ['status', 'order_product.status', (item) => ({ code: item.status })],
  ['vatRate', 'order_product.vat_rate', (item) => item.vatRate],
  ['comment', 'order_product.comment', (item) => item.comment ?? null],
  ['purchasePrice', 'order_product.purchase_price', (item) => item.purchasePrice],
];

const PAYMENT_FIELDS: [string, Encoder, (payment: PaymentRecord) => unknown][] = [
  ['payments.type', byCode, (payment) => payment.type],
  ['payments.status', byCode, (payment) => payment.status],
  ['payments.amount', plain, (payment) => payment.amount],
  ['payments.paid_at', plain, (payment) => payment.paidAt],
  ['payments.external_id', plain, (payment) => payment.externalId],
  ['payments.comment', plain, (payment) => payment.comment],
];

const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function paymentSnapshot(payment: PaymentRecord): Record<string, unknown> {
  return {
    id: payment.id,
    type: payment.type,
    status: payment.status,
    amount: payment.amount,
    ...(payment.externalId === undefined ? {} : { externalId: payment.externalId }),
  };
}

const itemStub = (item: ItemRecord) => ({
  id: item.id,
  offer: { id: item.offer.id, ...(item.offer.externalId ? { externalId: item.offer.externalId } : {}) },
});

function keyedChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  field: (key: string) => string,
): FieldChange[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((key) => !same(before[key], after[key]))
    .map((key) => ({ field: field(key), oldValue: before[key] ?? null, newValue: after[key] ?? null }));
}

function courierValue(courierId: unknown, context: OrderViewContext): unknown {
  if (typeof courierId !== 'number') return null;
  const courier = context.couriers.get(courierId);
  return { id: courierId, firstName: courier?.firstName ?? null, lastName: courier?.lastName ?? null };
}

function deliveryChanges(before: OrderRecord, after: OrderRecord, context: OrderViewContext): FieldChange[] {
  const a = before.delivery;
  const b = after.delivery;
  const changes: FieldChange[] = [];
  const push = (field: string, oldValue: unknown, newValue: unknown) => {
    if (!same(oldValue, newValue))
      changes.push({ field, oldValue: oldValue ?? null, newValue: newValue ?? null });
  };
  push('delivery_type', byCode(a.code), byCode(b.code));
  push('delivery_cost', a.cost, b.cost);
  push('delivery_net_cost', a.netCost, b.netCost);
  push('delivery_date', a.date, b.date);
  push('delivery_time', a.time, b.time);
  changes.push(...keyedChanges(a.address, b.address, (key) => `delivery_address.${snake(key)}`));
  const { courierId: oldCourier, ...oldData } = a.data;
  const { courierId: newCourier, ...newData } = b.data;
  push(
    'integration_delivery_data.courier',
    courierValue(oldCourier, context),
    courierValue(newCourier, context),
  );
  changes.push(...keyedChanges(oldData, newData, (key) => `integration_delivery_data.${snake(key)}`));
  return changes;
}

function itemChanges(before: OrderRecord, after: OrderRecord): FieldChange[] {
  const changes: FieldChange[] = [];
  const old = new Map(before.items.map((item) => [item.id, item]));
  const current = new Map(after.items.map((item) => [item.id, item]));
  for (const item of before.items) {
    if (!current.has(item.id))
      changes.push({
        field: 'order_product',
        oldValue: itemStub(item),
        newValue: null,
        item: renderItem(item),
      });
  }
  for (const item of after.items) {
    const previous = old.get(item.id);
    if (!previous) {
      changes.push({
        field: 'order_product',
        oldValue: null,
        newValue: itemStub(item),
        item: renderItem(item),
      });
      continue;
    }
    for (const [, field, read] of ITEM_FIELDS) {
      const oldValue = read(previous);
      const newValue = read(item);
      if (!same(oldValue, newValue)) changes.push({ field, oldValue, newValue, item: renderItem(item) });
    }
  }
  return changes;
}

function paymentChanges(before: OrderRecord, after: OrderRecord): FieldChange[] {
  const changes: FieldChange[] = [];
  const old = new Map(before.payments.map((payment) => [payment.id, payment]));
  const current = new Map(after.payments.map((payment) => [payment.id, payment]));
  for (const payment of before.payments) {
    if (!current.has(payment.id))
      changes.push({
        field: 'payments',
        oldValue: { id: payment.id, type: payment.type },
        newValue: null,
        payment: paymentSnapshot(payment),
      });
  }
  for (const payment of after.payments) {
    const previous = old.get(payment.id);
    if (!previous) {
      changes.push({
        field: 'payments',
        oldValue: null,
        newValue: { id: payment.id, type: payment.type },
        payment: paymentSnapshot(payment),
      });
      continue;
    }
    for (const [field, encode, read] of PAYMENT_FIELDS) {
      const oldValue = encode(read(previous));
      const newValue = encode(read(payment));
      if (!same(oldValue, newValue))
        changes.push({ field, oldValue, newValue, payment: paymentSnapshot(payment) });
    }
  }
  return changes;
}

/** Every change between two versions of one order, in the order RetailCRM's history lists them. */
export function diffOrders(
  before: OrderRecord,
  after: OrderRecord,
  context: OrderViewContext,
): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [key, field, encode] of ORDER_FIELDS) {
    const oldValue = encode(before[key]);
    const newValue = encode(after[key]);
    if (!same(oldValue, newValue)) changes.push({ field, oldValue, newValue });
  }
  changes.push(...deliveryChanges(before, after, context));
  changes.push(...keyedChanges(before.customFields, after.customFields, (key) => `custom_${key}`));
  changes.push(...itemChanges(before, after));
  changes.push(...paymentChanges(before, after));
  // Derived money fields follow the changes that caused them.
  for (const [key, field] of [
    ['prepaySum', 'prepay_sum'],
    ['fullPaidAt', 'full_paid_at'],
  ] as const) {
    if (!same(before[key], after[key]))
      changes.push({ field, oldValue: before[key] ?? null, newValue: after[key] ?? null });
  }
  return changes;
}
