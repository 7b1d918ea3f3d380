import { formatDateTime } from './retailcrm/crm-time.js';
import type { ManagerOrderInput, RetailCrmSimulator } from './retailcrm/simulator.js';
import {
  COURIER_DELIVERY_COST,
  CUSTOMER_STREETS,
  CUSTOMERS,
  DELIVERY_SLOTS,
  MENU,
} from './tenant-business.js';
import type { Tenant, TenantOrder, TenantOrderInput, TenantOrderItem } from './tenant-types.js';

/** Orders a seeded tenant's manager creates: a coffee-shop order with defaults for all not given. */

/** Rubles → integer kopecks, so sums of prices like 189.50 stay exact. */
const kopecks = (rubles: number) => Math.round(rubles * 100);
const rubles = (value: number) => value / 100;

/** Σ(final unit price × quantity) + delivery cost, computed in kopecks. */
export function expectedTotal(items: Required<TenantOrderItem>[], deliveryCost: number): number {
  const goods = items.reduce(
    (sum, item) => sum + Math.round((kopecks(item.price) - kopecks(item.discount)) * item.quantity),
    0,
  );
  return rubles(goods + kopecks(deliveryCost));
}

export function createTenantOrder(
  simulator: RetailCrmSimulator,
  tenant: Tenant,
  input: TenantOrderInput,
  index: number,
): TenantOrder {
  const store =
    input.store === null ? undefined : tenant.stores.find((candidate) => candidate.code === input.store);
  if (input.store !== null && !store) {
    throw new Error(`store "${input.store}" is not one of ${tenant.stores.map((s) => s.code).join(', ')}`);
  }
  const site = store?.site ?? tenant.sites[0]?.code ?? '';
  const city = tenant.sites.find((candidate) => candidate.code === site)?.city ?? 'Москва';
  const deliveryType = input.deliveryType ?? tenant.deliveryTypes.courier;
  const isCourier = deliveryType === tenant.deliveryTypes.courier;
  const deliveryCost = input.deliveryCost ?? (isCourier ? COURIER_DELIVERY_COST : 0);
  const items: Required<TenantOrderItem>[] = (input.items ?? defaultItems(index)).map((item) => ({
    name: item.name,
    price: item.price,
    quantity: item.quantity ?? 1,
    discount: item.discount ?? 0,
    vatRate: item.vatRate ?? 'none',
  }));
  const person = CUSTOMERS[index % CUSTOMERS.length] ?? CUSTOMERS[0]!;
  const customer = { ...person, ...input.customer };
  const slot = DELIVERY_SLOTS[index % DELIVERY_SLOTS.length];
  const today = formatDateTime(new Date(), 'Europe/Moscow').slice(0, 10);
  const status = input.status ?? tenant.statuses.new;

  const order: ManagerOrderInput = {
    status,
    firstName: customer.firstName,
    lastName: customer.lastName,
    phone: customer.phone,
    ...(customer.email ? { email: customer.email } : {}),
    ...(input.customerComment === undefined ? {} : { customerComment: input.customerComment }),
    ...(input.managerComment === undefined ? {} : { managerComment: input.managerComment }),
    ...(input.externalId === undefined ? {} : { externalId: input.externalId }),
    orderMethod: 'phone',
    managerId: input.userId ?? tenant.managerId,
    ...(store ? { shipmentStore: store.code } : {}),
    items: items.map((item) => ({
      productName: item.name,
      offer: { externalId: `menu-${slug(item.name)}` },
      initialPrice: item.price,
      quantity: item.quantity,
      discountManualAmount: item.discount,
      vatRate: item.vatRate,
    })),
    delivery: {
      code: deliveryType,
      cost: deliveryCost,
      ...(isCourier
        ? {
            date: today,
            ...(slot ? { time: slot } : {}),
            address: {
              city,
              text: `г. ${city}, ${CUSTOMER_STREETS[city] ?? 'ул. Ленина, д. 1'}, кв. ${person.flat}`,
            },
          }
        : {}),
      ...(input.courier ? { data: { courierId: input.courier } } : {}),
    },
    ...(input.payments ? { payments: input.payments } : {}),
  };
  const created = simulator.createOrder(tenant.accountCode, order, {
    site,
    userId: input.userId ?? tenant.managerId,
  });
  const totalSumm = expectedTotal(items, deliveryCost);
  if (kopecks(Number(created.totalSumm)) !== kopecks(totalSumm)) {
    throw new Error(
      `RetailCRM sandbox computed totalSumm ${String(created.totalSumm)} for order ${String(created.id)}, expected ${totalSumm}`,
    );
  }
  return {
    id: Number(created.id),
    number: String(created.number),
    site,
    store: store?.code ?? null,
    status,
    deliveryType,
    deliveryCost,
    courierId: input.courier ?? null,
    items,
    totalSumm,
    order: created,
  };
}

/** Two menu items per order, a different pair each time, one of them with a 20 ₽ discount now and then. */
function defaultItems(index: number): Required<TenantOrderItem>[] {
  const first = MENU[index % MENU.length]!;
  const second = MENU[(index + 3) % MENU.length]!;
  return [
    { ...first, quantity: 1 + (index % 2) },
    { ...second, quantity: 1, discount: index % 3 === 0 ? 20 : 0 },
  ];
}

/** A stable offer id for a menu item name (RetailCRM matches offers by `externalId`). */
function slug(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash.toString(36);
}
