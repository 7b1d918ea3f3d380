import type { DeliveryRecord } from '../lifepos/notifications.js';
import type { SaleWithDocuments } from '../lifepos/simulator-types.js';
import { itemPrice, orderTotals } from '../retailcrm/order-view.js';
import type { OrderRecord } from '../retailcrm/records.js';
import type { TriggerLogEntry } from '../retailcrm/triggers.js';
import type { Sandbox } from '../sandbox.js';
import { seededTenant, type Tenant } from '../tenant-seed.js';

/**
 * What the page shows, read from both simulators at request time and reduced to plain display data
 * (names resolved, money in rubles for RetailCRM and kopecks for LIFE POS as each side keeps it), so the
 * view only formats and escapes.
 */

export type PageSandbox = Pick<Sandbox, 'retailcrm' | 'lifepos' | 'lifeposUrl'>;

export interface Option {
  value: string;
  label: string;
}

export interface CrmOrderView {
  id: number;
  number: string;
  createdAt: string;
  site: string;
  status: string;
  statusName: string;
  customer: string;
  phone: string | undefined;
  customerComment: string | undefined;
  managerComment: string | undefined;
  store: string | undefined;
  storeName: string | undefined;
  delivery: string | undefined;
  courierId: number | undefined;
  courierName: string | undefined;
  items: { name: string; quantity: number; price: number }[];
  deliveryCost: number;
  totalSumm: number;
  prepaySum: number;
  payments: { id: number; type: string; amount: number; status: string; statusName: string }[];
}

export interface CrmAccountView {
  code: string;
  baseUrl: string;
  deleted: boolean;
  tenant: Tenant | undefined;
  statuses: Option[];
  stores: Option[];
  couriers: Option[];
  deliveryTypes: Option[];
  paymentTypes: Option[];
  paymentStatuses: Option[];
  orders: CrmOrderView[];
  orderCount: number;
  tasks: {
    id: number;
    text: string;
    commentary: string | undefined;
    performer: string;
    order: string | undefined;
    createdAt: string;
    complete: boolean;
  }[];
  triggersEnabled: boolean;
  ruleCount: number;
  /** Newest first. */
  triggerLog: TriggerLogEntry[];
}

export interface SaleView {
  guid: string;
  number: string;
  archived: boolean;
  openedAt: string;
  comment: string | null;
  state: string;
  paymentStatus: string;
  shippingStatus: string;
  outlet: string;
  /** Kopecks. */
  total: number;
  /** Paid minus refunded, kopecks. */
  net: number;
  positions: { name: string; quantity: number; price: number }[];
  documents: { kind: 'payment' | 'refund'; guid: string; cash: number; card: number; at: string }[];
  can: { pay: boolean; ship: boolean; complete: boolean; cancel: boolean; refund: boolean };
}

export interface LifePosOrgView {
  guid: string;
  name: string;
  notificationUrl: string | null;
  legalEntities: { inn: string; name: string }[];
  outletCount: number;
  employeeCount: number;
  sales: SaleView[];
  saleCount: number;
}

export interface PageData {
  lifeposUrl: string;
  retailcrm: CrmAccountView[];
  lifepos: LifePosOrgView[];
  /** Newest first. */
  deliveries: DeliveryRecord[];
}

const SHOWN_ORDERS = 30;
const SHOWN_SALES = 30;
const SHOWN_ROWS = 30;

const fullName = (...parts: (string | undefined)[]) => parts.filter(Boolean).join(' ');

function crmAccountView(sandbox: PageSandbox, code: string): CrmAccountView {
  const info = sandbox.retailcrm.accountInfo(code);
  const account = sandbox.retailcrm.account(code);
  const options = <T extends { code: string; name: string }>(book: Map<string, T>): Option[] =>
    [...book.values()].map((item) => ({ value: item.code, label: item.name }));
  const userName = (id: number) => {
    const user = account.users.get(id);
    return user ? fullName(user.firstName, user.lastName) : `#${id}`;
  };
  const orderView = (order: OrderRecord): CrmOrderView => {
    const courierId = order.delivery.data.courierId;
    const courier = typeof courierId === 'number' ? account.couriers.get(courierId) : undefined;
    return {
      id: order.id,
      number: order.number,
      createdAt: order.createdAt,
      site: order.site,
      status: order.status,
      statusName: account.statuses.get(order.status)?.name ?? order.status,
      customer: fullName(order.firstName, order.lastName) || '—',
      phone: order.phone,
      customerComment: order.customerComment,
      managerComment: order.managerComment,
      store: order.shipmentStore,
      storeName: order.shipmentStore
        ? (account.stores.get(order.shipmentStore)?.name ?? order.shipmentStore)
        : undefined,
      delivery: order.delivery.code
        ? (account.deliveryTypes.get(order.delivery.code)?.name ?? order.delivery.code)
        : undefined,
      courierId: courier?.id,
      courierName: courier ? fullName(courier.firstName, courier.lastName) : undefined,
      items: order.items.map((item) => ({
        name: item.productName,
        quantity: item.quantity,
        price: itemPrice(item),
      })),
      deliveryCost: order.delivery.cost,
      totalSumm: orderTotals(order).totalSumm,
      prepaySum: order.prepaySum,
      payments: order.payments.map((payment) => ({
        id: payment.id,
        type: account.paymentTypes.get(payment.type)?.name ?? payment.type,
        amount: payment.amount,
        status: payment.status,
        statusName: account.paymentStatuses.get(payment.status)?.name ?? payment.status,
      })),
    };
  };
  const orders = [...account.orders.values()].sort((a, b) => b.id - a.id);
  const { enabled, rules } = sandbox.retailcrm.triggers(code);
  return {
    code,
    baseUrl: info.baseUrl,
    deleted: info.deleted,
    tenant: seededTenant(sandbox, code),
    statuses: options(account.statuses),
    stores: options(account.stores),
    couriers: [...account.couriers.values()]
      .filter((courier) => courier.active)
      .map((courier) => ({
        value: String(courier.id),
        label: fullName(courier.firstName, courier.lastName),
      })),
    deliveryTypes: options(account.deliveryTypes),
    paymentTypes: options(account.paymentTypes),
    paymentStatuses: options(account.paymentStatuses),
    orders: orders.slice(0, SHOWN_ORDERS).map(orderView),
    orderCount: orders.length,
    tasks: [...account.tasks.values()]
      .sort((a, b) => b.id - a.id)
      .slice(0, SHOWN_ROWS)
      .map((task) => ({
        id: task.id,
        text: task.text,
        commentary: task.commentary,
        performer:
          task.performerType === 'group'
            ? `группа ${account.userGroups.get(task.performerId)?.name ?? task.performerId}`
            : userName(task.performerId),
        order: task.orderId === undefined ? undefined : account.orders.get(task.orderId)?.number,
        createdAt: task.createdAt,
        complete: task.complete,
      })),
    triggersEnabled: enabled,
    ruleCount: rules.length,
    triggerLog: sandbox.retailcrm.triggerLog(code).reverse().slice(0, SHOWN_ROWS),
  };
}

function saleView({ sale, payments, refunds }: SaleWithDocuments, outletName: (guid: string) => string) {
  const alive = <T extends { deleted_at: string | null }>(documents: T[]) =>
    documents.filter((document) => document.deleted_at === null);
  const paid = alive(payments).reduce((sum, payment) => sum + payment.total_sum.value, 0);
  const refunded = alive(refunds).reduce((sum, refund) => sum + refund.total_sum.value, 0);
  const net = paid - refunded;
  const archived = sale.deleted_at !== null;
  const open = !archived && sale.state !== 'Completed' && sale.state !== 'Cancelled';
  const refundable = alive(payments).some(
    (payment) =>
      payment.total_sum.value >
      alive(refunds)
        .filter((refund) => refund.for_payment.guid === payment.guid)
        .reduce((sum, refund) => sum + refund.total_sum.value, 0),
  );
  const view: SaleView = {
    guid: sale.guid,
    number: sale.number,
    archived,
    openedAt: sale.opened_at,
    comment: sale.comment,
    state: sale.state,
    paymentStatus: sale.payment_status,
    shippingStatus: sale.shipping_status,
    outlet: outletName(sale.outlet.guid),
    total: sale.total_sum.value,
    net,
    positions: (sale.positions ?? []).map((position) => ({
      name: position.name,
      quantity: position.quantity,
      price: position.sale_price.value,
    })),
    documents: [
      ...payments.map((payment) => ({
        kind: 'payment' as const,
        guid: payment.guid,
        cash: payment.sum_by_cash.value,
        card: payment.sum_by_card.value,
        at: payment.processed_at,
      })),
      ...refunds.map((refund) => ({
        kind: 'refund' as const,
        guid: refund.guid,
        cash: refund.sum_by_cash.value,
        card: refund.sum_by_card.value,
        at: refund.processed_at,
      })),
    ].sort((a, b) => a.at.localeCompare(b.at)),
    can: {
      pay: open && net < sale.total_sum.value,
      ship:
        !archived &&
        sale.state !== 'Cancelled' &&
        (sale.shipping_status === 'NotShipped' || sale.shipping_status === 'PartiallyShipped'),
      complete: open && sale.payment_status === 'Paid',
      cancel: !archived && sale.state === 'New',
      refund: !archived && refundable,
    },
  };
  return view;
}

export function collectPageData(sandbox: PageSandbox): PageData {
  const snapshot = sandbox.lifepos.snapshot();
  return {
    lifeposUrl: sandbox.lifeposUrl,
    retailcrm: sandbox.retailcrm.listAccounts().map((account) => crmAccountView(sandbox, account.code)),
    lifepos: snapshot.organizations.map((org) => {
      const outlets = new Map(org.outlets.map((outlet) => [outlet.guid, outlet.name]));
      const service = org.organization.extensions.notification_service as
        | { turned_on?: boolean; primary_url_for_notifications?: string | null }
        | undefined;
      const sales = [...org.sales].sort((a, b) => b.sale.created_at.localeCompare(a.sale.created_at));
      return {
        guid: org.organization.guid,
        name: org.organization.name,
        notificationUrl: service?.turned_on ? (service.primary_url_for_notifications ?? null) : null,
        legalEntities: org.legal_entities
          .filter((entity) => entity.deleted_at === null)
          .map((entity) => ({ inn: entity.inn, name: entity.juridical_name })),
        outletCount: org.outlets.filter((outlet) => outlet.deleted_at === null).length,
        employeeCount: org.employees.filter((employee) => employee.deleted_at === null).length,
        sales: sales.slice(0, SHOWN_SALES).map((sale) => saleView(sale, (guid) => outlets.get(guid) ?? guid)),
        saleCount: sales.length,
      };
    }),
    deliveries: snapshot.notifications.deliveries.slice().reverse().slice(0, SHOWN_ROWS),
  };
}
