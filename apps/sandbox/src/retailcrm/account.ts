import type { Logger } from '@connector/logger';
import {
  type ApiErrorDetails,
  doesNotExist,
  entityFormatErrors,
  notFound,
  orderNotLoaded,
  paymentNotFound,
  taskNotLoaded,
} from './api-error.js';
import { DATE, DATE_TIME, DATE_TIME_MINUTES, formatDateTime, TIME } from './crm-time.js';
import { diffOrders } from './order-changes.js';
import type { DeliveryInput, ItemInput, OrderInput, PaymentInput, TaskInput } from './order-input.js';
import {
  historyOrderStub,
  type OrderViewContext,
  orderTotals,
  type PaymentsShape,
  renderOrder,
} from './order-view.js';
import { SlidingWindowLimiter } from './rate-limiter.js';
import type {
  Actor,
  CustomerRecord,
  DeliveryRecord,
  HistoryRecord,
  ItemRecord,
  OrderRecord,
  PaymentRecord,
  TaskRecord,
} from './records.js';
import { roundMoney } from './records.js';
import {
  type AccountSettings,
  type ApiKey,
  type Courier,
  DEFAULT_SCOPE_RULES,
  type DeliveryType,
  type LegalEntity,
  type OrderMethod,
  type OrderType,
  type PaymentStatus,
  type PaymentType,
  type Seed,
  type SettingsInput,
  type Site,
  type Status,
  type StatusGroup,
  type Store,
  settingsSchema,
  type User,
  type UserGroup,
} from './seed-schema.js';
import { type TemplateContext, TriggerEngine, type TriggerEvent } from './triggers.js';

export interface AccountDeps {
  logger: Logger;
  clock: () => Date;
}

type Errors = Record<string, string>;

const NOT_BLANK = 'This value should not be blank.';
const NOT_VALID = 'This value is not valid.';

function throwIfAny(errors: Errors, make: (errors: ApiErrorDetails) => Error): void {
  if (Object.keys(errors).length > 0) throw make(errors);
}

function mergeNullable(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else target[key] = value;
  }
}

/** All state of one simulated RetailCRM account and the operations the API and the control routes share. */
export class CrmAccount {
  deleted = false;
  readonly apiKeys = new Map<string, ApiKey>();
  settings: AccountSettings = {
    rateLimit: { enabled: true, perSecond: 10, status: 503 },
    latencyMs: 0,
    scopeRules: { ...DEFAULT_SCOPE_RULES },
    allowGroupTasks: true,
    triggerTimeoutMs: 5_000,
  };

  readonly sites = new Map<string, Site>();
  readonly stores = new Map<string, Store>();
  readonly statusGroups = new Map<string, StatusGroup>();
  readonly statuses = new Map<string, Status>();
  readonly paymentTypes = new Map<string, PaymentType>();
  readonly paymentStatuses = new Map<string, PaymentStatus>();
  readonly deliveryTypes = new Map<string, DeliveryType>();
  readonly orderTypes = new Map<string, OrderType>();
  readonly orderMethods = new Map<string, OrderMethod>();
  readonly legalEntities = new Map<string, LegalEntity>();
  readonly couriers = new Map<number, Courier>();
  readonly userGroups = new Map<number, UserGroup>();
  readonly users = new Map<number, User>();

  readonly customers = new Map<number, CustomerRecord>();
  readonly orders = new Map<number, OrderRecord>();
  readonly tasks = new Map<number, TaskRecord>();
  readonly history: HistoryRecord[] = [];
  readonly triggers: TriggerEngine;
  readonly limiter = new SlidingWindowLimiter();

  // Distinct id ranges make a connector that mixes up order, item and payment ids fail loudly.
  private readonly ids = {
    order: 5_000,
    item: 10_000,
    payment: 3_000,
    task: 200,
    customer: 4_000,
    history: 0,
  };
  private readonly offerIds = new Map<string, number>();
  readonly viewContext: OrderViewContext;
  /** When the account's settings (`/api/v5/settings`) last changed: its creation, in its own zone. */
  readonly settingsUpdatedAt: string;

  constructor(
    readonly code: string,
    readonly timezone: string,
    private readonly deps: AccountDeps,
  ) {
    this.triggers = new TriggerEngine({
      account: code,
      logger: deps.logger,
      timeoutMs: () => this.settings.triggerTimeoutMs,
    });
    this.settingsUpdatedAt = formatDateTime(deps.clock(), timezone);
    this.viewContext = {
      customers: this.customers,
      couriers: this.couriers,
      deliveryIntegrationCode: (deliveryCode) => this.deliveryTypes.get(deliveryCode)?.integrationCode,
    };
  }

  now(): string {
    return formatDateTime(this.deps.clock(), this.timezone);
  }

  configure(input: SettingsInput): AccountSettings {
    const parsed = settingsSchema.parse(input);
    this.settings = {
      rateLimit: { ...this.settings.rateLimit, ...parsed.rateLimit },
      latencyMs: parsed.latencyMs ?? this.settings.latencyMs,
      scopeRules: { ...this.settings.scopeRules, ...parsed.scopeRules },
      allowGroupTasks: parsed.allowGroupTasks ?? this.settings.allowGroupTasks,
      triggerTimeoutMs: parsed.triggerTimeoutMs ?? this.settings.triggerTimeoutMs,
    };
    if (!this.settings.rateLimit.enabled) this.limiter.reset();
    return this.settings;
  }

  seed(seed: Seed): void {
    const byCode = <T extends { code: string }>(map: Map<string, T>, list: T[] | undefined) => {
      for (const item of list ?? []) map.set(item.code, item);
    };
    const byId = <T extends { id?: number | undefined }>(
      map: Map<number, T & { id: number }>,
      list: T[] | undefined,
    ) => {
      for (const item of list ?? []) {
        const id = item.id ?? Math.max(0, ...map.keys()) + 1;
        map.set(id, { ...item, id });
      }
    };
    byCode(this.legalEntities, seed.legalEntities);
    byCode(this.sites, seed.sites);
    for (const [index, site] of [...this.sites.values()].entries()) site.id ??= index + 1;
    byCode(this.stores, seed.stores);
    byCode(this.statusGroups, seed.statusGroups);
    byCode(this.statuses, seed.statuses);
    byCode(this.paymentTypes, seed.paymentTypes);
    byCode(this.paymentStatuses, seed.paymentStatuses);
    byCode(this.deliveryTypes, seed.deliveryTypes);
    byCode(this.orderTypes, seed.orderTypes);
    byCode(this.orderMethods, seed.orderMethods);
    byId(this.couriers, seed.couriers);
    byId(this.userGroups, seed.userGroups);
    for (const user of seed.users ?? []) {
      const id = user.id ?? Math.max(0, ...this.users.keys()) + 1;
      this.users.set(id, { ...user, id, createdAt: user.createdAt ?? this.now() });
    }
  }

  /** Site codes a key may use (docs/RETAILCRM-API.md, «Key scopes» `siteAccess`). */
  sitesFor(key: ApiKey): string[] {
    return key.siteAccess === 'access_full' ? [...this.sites.keys()] : key.sitesAvailable;
  }

  render(order: OrderRecord, payments: PaymentsShape): Record<string, unknown> {
    return renderOrder(order, this.viewContext, payments);
  }

  // ---------------------------------------------------------------- orders

  findOrder(by: 'id' | 'externalId' | 'number', value: string, site?: string): OrderRecord | undefined {
    for (const order of this.orders.values()) {
      if (site !== undefined && by !== 'id' && order.site !== site) continue;
      if (by === 'id' && String(order.id) === value) return order;
      if (by === 'externalId' && order.externalId === value) return order;
      if (by === 'number' && order.number === value) return order;
    }
    return undefined;
  }

  requireOrder(id: number): OrderRecord {
    const order = this.orders.get(id);
    if (!order) throw notFound();
    return order;
  }

  private defaultCode<T extends { code: string; defaultForApi?: boolean; defaultForCrm?: boolean }>(
    book: Map<string, T>,
    actor: Actor,
  ): string | undefined {
    const items = [...book.values()];
    const preferred = items.find((item) => (actor.kind === 'api' ? item.defaultForApi : item.defaultForCrm));
    return (preferred ?? items[0])?.code;
  }

  createOrder(input: OrderInput, site: string, actor: Actor): OrderRecord {
    const errors: Errors = {};
    if (!this.sites.has(site)) errors.site = doesNotExist('Site', 'code', site);
    const now = this.now();
    const createdAt = input.createdAt ?? now;
    if (!DATE_TIME.test(createdAt)) errors.createdAt = NOT_VALID;
    if (
      input.externalId !== undefined &&
      this.findOrder('externalId', input.externalId, site) !== undefined
    ) {
      errors.externalId = `Order with externalId "${input.externalId}" already exists.`;
    }
    const status = input.status ?? (this.statuses.has('new') ? 'new' : [...this.statuses.keys()][0]) ?? 'new';
    const draft: OrderRecord = {
      id: 0,
      number: '',
      site,
      orderType: input.orderType ?? this.defaultCode(this.orderTypes, actor) ?? '',
      orderMethod: input.orderMethod ?? this.defaultCode(this.orderMethods, actor) ?? '',
      status,
      statusUpdatedAt: createdAt,
      createdAt,
      countryIso: 'RU',
      currency: this.sites.get(site)?.currency ?? 'RUB',
      customerId: 0,
      contragent: { contragentType: 'individual' },
      call: false,
      expired: false,
      fromApi: actor.kind === 'api',
      shipped: false,
      discountManualAmount: 0,
      discountManualPercent: 0,
      customFields: {},
      items: [],
      delivery: { cost: 0, netCost: 0, address: {}, data: {} },
      payments: [],
      prepaySum: 0,
    };
    this.applyOrderInput(draft, { ...input, status }, errors);
    draft.statusUpdatedAt = createdAt;
    const payments = input.payments === undefined ? [] : Object.values(input.payments);
    const paymentRecords = payments.map((payment, index) =>
      this.buildPayment(draft, payment, actor, errors, `payments[${index}]`),
    );
    if (input.customer?.id !== undefined && !this.customers.has(input.customer.id)) {
      errors.customer = doesNotExist('Customer', 'id', input.customer.id);
    }
    throwIfAny(errors, orderNotLoaded);

    draft.id = ++this.ids.order;
    draft.number = input.number ?? `${draft.id}A`;
    draft.customerId = this.resolveCustomer(draft, input);
    for (const payment of paymentRecords) payment.id = ++this.ids.payment;
    draft.payments = paymentRecords;
    this.recalculate(draft);
    this.commit(undefined, draft, actor);
    return draft;
  }

  private resolveCustomer(order: OrderRecord, input: OrderInput): number {
    const given = input.customer;
    if (given?.id !== undefined) return given.id;
    if (given?.externalId !== undefined) {
      const existing = [...this.customers.values()].find(
        (customer) => customer.externalId === given.externalId && customer.site === order.site,
      );
      if (existing) return existing.id;
    }
    const phone = given?.phones?.[0]?.number ?? order.phone;
    const customer: CustomerRecord = {
      type: given?.type ?? 'customer',
      id: ++this.ids.customer,
      ...(given?.externalId === undefined ? {} : { externalId: given.externalId }),
      site: order.site,
      createdAt: order.createdAt,
      ...((given?.firstName ?? order.firstName) ? { firstName: given?.firstName ?? order.firstName } : {}),
      ...((given?.lastName ?? order.lastName) ? { lastName: given?.lastName ?? order.lastName } : {}),
      ...((given?.email ?? order.email) ? { email: given?.email ?? order.email } : {}),
      phones: phone ? [{ number: phone }] : [],
    };
    this.customers.set(customer.id, customer);
    return customer.id;
  }

  /**
   * Partial update (docs/RETAILCRM-API.md, «Order edit», assumed): fields not sent stay; `items`, when sent,
   * is the complete list; `payments` are left to `/orders/payments/*`.
   */
  editOrder(id: number, input: OrderInput, actor: Actor): OrderRecord {
    const before = this.requireOrder(id);
    const draft = structuredClone(before);
    const errors: Errors = {};
    this.applyOrderInput(draft, input, errors);
    if (input.customer?.id !== undefined) {
      if (this.customers.has(input.customer.id)) draft.customerId = input.customer.id;
      else errors.customer = doesNotExist('Customer', 'id', input.customer.id);
    }
    throwIfAny(errors, orderNotLoaded);
    this.recalculate(draft);
    this.commit(before, draft, actor);
    return draft;
  }

  private applyOrderInput(draft: OrderRecord, input: OrderInput, errors: Errors): void {
    const check = <T>(field: string, book: Map<string, T>, entity: string, value: string | undefined) => {
      if (value !== undefined && !book.has(value)) errors[field] = doesNotExist(entity, 'code', value);
    };
    check('status', this.statuses, 'Status', input.status);
    check('orderType', this.orderTypes, 'OrderType', input.orderType);
    check('orderMethod', this.orderMethods, 'OrderMethod', input.orderMethod);
    check('shipmentStore', this.stores, 'Store', input.shipmentStore ?? undefined);
    if (input.managerId !== undefined && input.managerId !== null && !this.users.has(input.managerId)) {
      errors.managerId = doesNotExist('User', 'id', input.managerId);
    }
    if (input.shipmentDate && !DATE.test(input.shipmentDate)) errors.shipmentDate = NOT_VALID;

    if (input.status !== undefined && input.status !== draft.status) {
      draft.status = input.status;
      draft.statusUpdatedAt = this.now();
    }
    const strings = [
      'externalId',
      'number',
      'statusComment',
      'orderType',
      'orderMethod',
      'countryIso',
      'firstName',
      'lastName',
      'patronymic',
      'phone',
      'additionalPhone',
      'email',
      'customerComment',
      'managerComment',
    ] as const;
    for (const key of strings) {
      const value = input[key];
      if (value !== undefined) draft[key] = value;
    }
    for (const key of ['call', 'expired', 'shipped'] as const) {
      const value = input[key];
      if (value !== undefined) draft[key] = value;
    }
    for (const key of ['discountManualAmount', 'discountManualPercent'] as const) {
      const value = input[key];
      if (value !== undefined) draft[key] = value;
    }
    if (input.managerId !== undefined) {
      if (input.managerId === null) delete draft.managerId;
      else draft.managerId = input.managerId;
    }
    if (input.shipmentStore !== undefined) {
      if (input.shipmentStore === null) delete draft.shipmentStore;
      else draft.shipmentStore = input.shipmentStore;
    }
    if (input.shipmentDate !== undefined) {
      if (input.shipmentDate === null) delete draft.shipmentDate;
      else draft.shipmentDate = input.shipmentDate;
    }
    if (input.contragent) draft.contragent = { ...draft.contragent, ...input.contragent };
    if (input.source) draft.source = { ...draft.source, ...input.source };
    if (input.customFields && !Array.isArray(input.customFields))
      mergeNullable(draft.customFields, input.customFields);
    if (input.delivery) this.applyDelivery(draft.delivery, input.delivery, errors);
    if (input.items) draft.items = this.replaceItems(draft.items, input.items, errors);
  }

  private applyDelivery(delivery: DeliveryRecord, input: DeliveryInput, errors: Errors): void {
    if (input.code !== undefined) {
      if (input.code === null) delete delivery.code;
      else if (!this.deliveryTypes.has(input.code))
        errors['delivery.code'] = doesNotExist('DeliveryType', 'code', input.code);
      else delivery.code = input.code;
    }
    if (input.cost !== undefined) delivery.cost = input.cost;
    if (input.netCost !== undefined) delivery.netCost = input.netCost;
    if (input.vatRate !== undefined) delivery.vatRate = input.vatRate;
    if (input.date !== undefined) {
      if (input.date === null) delete delivery.date;
      else if (!DATE.test(input.date)) errors['delivery.date'] = NOT_VALID;
      else delivery.date = input.date;
    }
    if (input.time !== undefined) {
      if (input.time === null) delete delivery.time;
      else if ([input.time.from, input.time.to].some((value) => value !== undefined && !TIME.test(value)))
        errors['delivery.time'] = NOT_VALID;
      else delivery.time = { ...delivery.time, ...input.time };
    }
    if (input.address) mergeNullable(delivery.address, input.address);
    if (input.data) {
      const { courierId, ...rest } = input.data;
      mergeNullable(delivery.data, rest);
      if (courierId !== undefined) {
        const id = typeof courierId === 'string' && /^\d+$/.test(courierId) ? Number(courierId) : courierId;
        if (id === null) delete delivery.data.courierId;
        else if (typeof id !== 'number' || !this.couriers.has(id))
          errors['delivery.data.courierId'] = doesNotExist('Courier', 'id', String(id));
        else delivery.data.courierId = id;
      }
    }
  }

  private offerIdFor(key: string): number {
    let id = this.offerIds.get(key);
    if (id === undefined) {
      id = 70_000 + this.offerIds.size + 1;
      this.offerIds.set(key, id);
    }
    return id;
  }

  private replaceItems(current: ItemRecord[], inputs: ItemInput[], errors: Errors): ItemRecord[] {
    const remaining = [...current];
    const take = (predicate: (item: ItemRecord) => boolean) => {
      const index = remaining.findIndex(predicate);
      return index < 0 ? undefined : remaining.splice(index, 1)[0];
    };
    return inputs.map((input, index) => {
      const at = `items[${index}]`;
      let existing: ItemRecord | undefined;
      if (input.id !== undefined) {
        existing = take((item) => item.id === input.id);
        if (!existing) errors[`${at}.id`] = doesNotExist('OrderProduct', 'id', input.id);
      } else if (input.externalIds?.length) {
        const wanted = input.externalIds;
        existing = take((item) =>
          item.externalIds.some((own) => wanted.some((id) => id.code === own.code && id.value === own.value)),
        );
      }
      if (input.quantity !== undefined && input.quantity <= 0)
        errors[`${at}.quantity`] = 'This value should be greater than 0.';
      if (input.initialPrice !== undefined && input.initialPrice < 0)
        errors[`${at}.initialPrice`] = 'This value should be greater than or equal to 0.';
      const base: ItemRecord = existing ?? this.newItem(input, errors, at);
      const properties =
        input.properties === undefined
          ? base.properties
          : Array.isArray(input.properties)
            ? {}
            : input.properties;
      return {
        ...base,
        ...(input.externalIds ? { externalIds: input.externalIds } : {}),
        ...(input.productName !== undefined
          ? { productName: input.productName, offer: { ...base.offer, name: input.productName } }
          : {}),
        ...(input.initialPrice !== undefined ? { initialPrice: input.initialPrice } : {}),
        ...(input.quantity !== undefined ? { quantity: input.quantity } : {}),
        ...(input.discountManualAmount !== undefined
          ? { discountManualAmount: input.discountManualAmount }
          : {}),
        ...(input.discountManualPercent !== undefined
          ? { discountManualPercent: input.discountManualPercent }
          : {}),
        ...(input.vatRate !== undefined ? { vatRate: input.vatRate } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...(input.comment !== undefined ? { comment: input.comment } : {}),
        ...(input.purchasePrice !== undefined ? { purchasePrice: input.purchasePrice } : {}),
        ...(input.priceType !== undefined ? { priceType: input.priceType } : {}),
        properties,
      };
    });
  }

  private newItem(input: ItemInput, errors: Errors, at: string): ItemRecord {
    const offer = input.offer;
    const offerKey = offer?.externalId ?? offer?.xmlId ?? input.productName;
    if (offer?.id === undefined && offerKey === undefined) errors[`${at}.productName`] = NOT_BLANK;
    const offerId = offer?.id ?? this.offerIdFor(offerKey ?? '');
    const name = input.productName ?? `Товар ${offerId}`;
    return {
      id: ++this.ids.item,
      createdAt: this.now(),
      externalIds: [],
      offer: {
        id: offerId,
        ...(offer?.externalId === undefined ? {} : { externalId: offer.externalId }),
        ...(offer?.xmlId === undefined ? {} : { xmlId: offer.xmlId }),
        ...(offer?.article === undefined ? {} : { article: offer.article }),
        name,
      },
      productName: name,
      initialPrice: 0,
      discountManualAmount: 0,
      discountManualPercent: 0,
      quantity: 1,
      status: 'new',
      vatRate: 'none',
      purchasePrice: 0,
      properties: {},
    };
  }

  /** `prepaySum` = sum of payments in a complete status; `fullPaidAt` when that covers `totalSumm`. */
  private recalculate(order: OrderRecord): void {
    order.prepaySum = roundMoney(
      order.payments
        .filter((payment) => this.paymentStatuses.get(payment.status)?.paymentComplete)
        .reduce((sum, payment) => sum + payment.amount, 0),
    );
    const { totalSumm } = orderTotals(order);
    if (totalSumm > 0 && order.prepaySum >= totalSumm) order.fullPaidAt ??= this.now();
    else delete order.fullPaidAt;
  }

  // ---------------------------------------------------------------- payments

  private buildPayment(
    order: OrderRecord,
    input: PaymentInput,
    actor: Actor,
    errors: Errors,
    prefix = '',
  ): PaymentRecord {
    const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
    if (input.type === undefined) errors[at('type')] = NOT_BLANK;
    else if (!this.paymentTypes.has(input.type))
      errors[at('type')] = doesNotExist('PaymentType', 'code', input.type);
    const status = input.status ?? this.defaultCode(this.paymentStatuses, actor) ?? 'not-paid';
    if (!this.paymentStatuses.has(status))
      errors[at('status')] = doesNotExist('PaymentStatus', 'code', status);
    if (input.paidAt && !DATE_TIME.test(input.paidAt)) errors[at('paidAt')] = NOT_VALID;
    if (input.amount !== undefined && input.amount < 0)
      errors[at('amount')] = 'This value should be greater than or equal to 0.';
    const paid = order.payments.reduce((sum, payment) => sum + payment.amount, 0);
    const paidAt =
      input.paidAt ?? (this.paymentStatuses.get(status)?.paymentComplete ? this.now() : undefined);
    return {
      id: 0,
      type: input.type ?? '',
      status,
      amount: input.amount ?? Math.max(0, roundMoney(orderTotals(order).totalSumm - paid)),
      ...(paidAt ? { paidAt } : {}),
      ...(input.externalId === undefined ? {} : { externalId: input.externalId }),
      ...(input.comment === undefined ? {} : { comment: input.comment }),
    };
  }

  createPayment(orderId: number, input: PaymentInput, actor: Actor): PaymentRecord {
    const before = this.requireOrder(orderId);
    const draft = structuredClone(before);
    const errors: Errors = {};
    const payment = this.buildPayment(draft, input, actor, errors);
    if (payment.externalId !== undefined && this.findPayment('externalId', payment.externalId)) {
      errors.externalId = `Payment with externalId "${payment.externalId}" already exists.`;
    }
    throwIfAny(errors, entityFormatErrors);
    payment.id = ++this.ids.payment;
    draft.payments.push(payment);
    this.recalculate(draft);
    this.commit(before, draft, actor);
    return payment;
  }

  findPayment(
    by: 'id' | 'externalId',
    value: string,
  ): { order: OrderRecord; payment: PaymentRecord } | undefined {
    for (const order of this.orders.values()) {
      const payment = order.payments.find((candidate) =>
        by === 'id' ? String(candidate.id) === value : candidate.externalId === value,
      );
      if (payment) return { order, payment };
    }
    return undefined;
  }

  editPayment(by: 'id' | 'externalId', value: string, input: PaymentInput, actor: Actor): PaymentRecord {
    const found = this.findPayment(by, value);
    if (!found) throw paymentNotFound();
    const draft = structuredClone(found.order);
    const payment = draft.payments.find((candidate) => candidate.id === found.payment.id)!;
    const errors: Errors = {};
    if (input.type !== undefined) {
      if (this.paymentTypes.has(input.type)) payment.type = input.type;
      else errors.type = doesNotExist('PaymentType', 'code', input.type);
    }
    if (input.status !== undefined) {
      const status = this.paymentStatuses.get(input.status);
      if (!status) errors.status = doesNotExist('PaymentStatus', 'code', input.status);
      else {
        if (status.paymentComplete && !payment.paidAt && input.paidAt === undefined)
          payment.paidAt = this.now();
        payment.status = input.status;
      }
    }
    if (input.amount !== undefined) payment.amount = input.amount;
    if (input.paidAt !== undefined) {
      if (input.paidAt === null) delete payment.paidAt;
      else if (!DATE_TIME.test(input.paidAt)) errors.paidAt = NOT_VALID;
      else payment.paidAt = input.paidAt;
    }
    if (input.externalId !== undefined) payment.externalId = input.externalId;
    if (input.comment !== undefined) payment.comment = input.comment;
    throwIfAny(errors, entityFormatErrors);
    this.recalculate(draft);
    this.commit(found.order, draft, actor);
    return payment;
  }

  deletePayment(id: string, actor: Actor): void {
    const found = this.findPayment('id', id);
    if (!found) throw paymentNotFound();
    const draft = structuredClone(found.order);
    draft.payments = draft.payments.filter((payment) => payment.id !== found.payment.id);
    this.recalculate(draft);
    this.commit(found.order, draft, actor);
  }

  // ---------------------------------------------------------------- history and triggers

  /** Stores the new version, appends its history entries and hands its changes to the triggers. */
  private commit(before: OrderRecord | undefined, after: OrderRecord, actor: Actor): void {
    const createdAt = this.now();
    const who =
      actor.kind === 'api'
        ? { source: 'api' as const, apiKey: actor.apiKey }
        : { source: 'user' as const, userId: actor.userId };
    const events: TriggerEvent[] = [];
    if (!before) {
      this.history.push({
        id: ++this.ids.history,
        createdAt,
        created: true,
        ...who,
        field: 'status',
        oldValue: null,
        newValue: { code: after.status },
        orderId: after.id,
        order: this.render(after, 'array'),
      });
      events.push({ kind: 'order.status', from: null, to: after.status, created: true });
      for (const payment of after.payments)
        events.push({
          kind: 'payment.status',
          paymentId: payment.id,
          from: null,
          to: payment.status,
          created: true,
        });
    } else {
      const changes = diffOrders(before, after, this.viewContext);
      const stub = historyOrderStub(after);
      for (const change of changes) {
        this.history.push({
          id: ++this.ids.history,
          createdAt,
          ...who,
          ...change,
          orderId: after.id,
          order: stub,
        });
        const paymentId = change.payment?.id;
        if (!change.payment && !change.item) {
          events.push({ kind: 'order.field', field: change.field, created: false });
        }
        if (change.field === 'status') {
          events.push({ kind: 'order.status', from: before.status, to: after.status, created: false });
        } else if (
          typeof paymentId === 'number' &&
          (change.field === 'payments.status' || (change.field === 'payments' && change.oldValue === null))
        ) {
          const previous = before.payments.find((payment) => payment.id === paymentId);
          const current = after.payments.find((payment) => payment.id === paymentId);
          if (current)
            events.push({
              kind: 'payment.status',
              paymentId,
              from: previous?.status ?? null,
              to: current.status,
              created: false,
            });
        }
      }
    }
    this.orders.set(after.id, after);
    if (events.length > 0) {
      this.triggers.dispatch(after.id, events, who.source, (event) => this.templateContext(after.id, event));
    }
  }

  /** Entity-like views for trigger templates: `order.getStatus().getCode()`, `order.site`, `payment.amount`… */
  private templateContext(orderId: number, event: TriggerEvent): TemplateContext {
    const order = this.orders.get(orderId);
    if (!order) return {};
    const named = <T extends { name: string }>(book: Map<string, T>, code: string | undefined) =>
      code === undefined ? null : { code, name: book.get(code)?.name ?? code };
    const manager = order.managerId === undefined ? undefined : this.users.get(order.managerId);
    const view: TemplateContext = {
      order: {
        ...this.render(order, 'array'),
        status: { ...named(this.statuses, order.status), group: this.statuses.get(order.status)?.group },
        site: named(this.sites, order.site),
        orderType: named(this.orderTypes, order.orderType),
        orderMethod: named(this.orderMethods, order.orderMethod),
        shipmentStore: named(this.stores, order.shipmentStore),
        manager: manager
          ? { id: manager.id, firstName: manager.firstName, lastName: manager.lastName, email: manager.email }
          : null,
      },
    };
    if (event.kind === 'payment.status') {
      const payment = order.payments.find((candidate) => candidate.id === event.paymentId);
      if (payment)
        view.payment = {
          ...payment,
          type: named(this.paymentTypes, payment.type),
          status: named(this.paymentStatuses, payment.status),
        };
    }
    return view;
  }

  renderHistory(record: HistoryRecord, readerKey?: string): Record<string, unknown> {
    return {
      id: record.id,
      createdAt: record.createdAt,
      ...(record.created ? { created: true } : {}),
      source: record.source,
      ...(record.userId === undefined ? {} : { user: { id: record.userId } }),
      ...(record.apiKey === undefined ? {} : { apiKey: { current: record.apiKey === readerKey } }),
      field: record.field,
      oldValue: record.oldValue,
      newValue: record.newValue,
      order: record.order,
      ...(record.item ? { item: record.item } : {}),
      ...(record.payment ? { payment: record.payment } : {}),
    };
  }

  // ---------------------------------------------------------------- tasks

  createTask(input: TaskInput, site: string | undefined, actor: Actor): TaskRecord {
    const errors: Errors = {};
    const performerType = input.performerType ?? 'user';
    if (input.performerId === undefined || input.performerId === null) errors.performerId = NOT_BLANK;
    if (performerType !== 'user' && !(performerType === 'group' && this.settings.allowGroupTasks)) {
      errors.performerType = NOT_VALID;
    } else if (typeof input.performerId === 'number') {
      const exists =
        performerType === 'group'
          ? this.userGroups.has(input.performerId)
          : this.users.has(input.performerId);
      if (!exists)
        errors.performerId = doesNotExist(
          performerType === 'group' ? 'Group' : 'User',
          'id',
          input.performerId,
        );
    }
    if (input.datetime !== undefined && !DATE_TIME_MINUTES.test(input.datetime)) errors.datetime = NOT_VALID;
    let orderId: number | undefined;
    if (input.order) {
      const ref = input.order;
      const found =
        ref.id !== undefined
          ? this.orders.get(ref.id)
          : ref.externalId !== undefined
            ? this.findOrder('externalId', ref.externalId, site)
            : ref.number !== undefined
              ? this.findOrder('number', ref.number)
              : undefined;
      if (!found) errors.order = 'Order not found.';
      orderId = found?.id;
    }
    throwIfAny(errors, taskNotLoaded);
    const now = this.now();
    const task: TaskRecord = {
      id: ++this.ids.task,
      text: input.text ?? '',
      ...(input.commentary === undefined ? {} : { commentary: input.commentary }),
      ...(input.datetime === undefined ? {} : { datetime: input.datetime }),
      createdAt: now,
      complete: input.complete ?? false,
      ...(input.complete ? { completedAt: now } : {}),
      performerId: input.performerId as number,
      performerType: performerType as 'user' | 'group',
      ...(orderId === undefined ? {} : { orderId }),
      ...(input.phone === undefined ? {} : { phone: input.phone }),
    };
    this.tasks.set(task.id, task);
    this.deps.logger.debug('retailcrm sandbox task created', {
      account: this.code,
      taskId: task.id,
      by: actor.kind,
    });
    return task;
  }

  /** A task edit: the given fields change, checked as on create; `complete` sets or clears `completedAt`. */
  editTask(task: TaskRecord, input: TaskInput, site: string | undefined): TaskRecord {
    const errors: Errors = {};
    const performerType = input.performerType ?? task.performerType;
    if (input.performerId === null) errors.performerId = NOT_BLANK;
    const performerId = input.performerId ?? task.performerId;
    if (performerType !== 'user' && !(performerType === 'group' && this.settings.allowGroupTasks)) {
      errors.performerType = NOT_VALID;
    } else if (input.performerId !== undefined || input.performerType !== undefined) {
      const exists =
        performerType === 'group' ? this.userGroups.has(performerId) : this.users.has(performerId);
      if (!exists)
        errors.performerId = doesNotExist(performerType === 'group' ? 'Group' : 'User', 'id', performerId);
    }
    if (input.datetime !== undefined && !DATE_TIME_MINUTES.test(input.datetime)) errors.datetime = NOT_VALID;
    let orderId = task.orderId;
    if (input.order) {
      const ref = input.order;
      const found =
        ref.id !== undefined
          ? this.orders.get(ref.id)
          : ref.externalId !== undefined
            ? this.findOrder('externalId', ref.externalId, site)
            : ref.number !== undefined
              ? this.findOrder('number', ref.number)
              : undefined;
      if (!found) errors.order = 'Order not found.';
      orderId = found?.id;
    }
    throwIfAny(errors, taskNotLoaded);
    if (input.text !== undefined) task.text = input.text;
    if (input.commentary !== undefined) task.commentary = input.commentary;
    if (input.datetime !== undefined) task.datetime = input.datetime;
    if (input.phone !== undefined) task.phone = input.phone;
    task.performerId = performerId;
    task.performerType = performerType as 'user' | 'group';
    if (orderId === undefined) delete task.orderId;
    else task.orderId = orderId;
    if (input.complete !== undefined && input.complete !== task.complete) {
      task.complete = input.complete;
      if (input.complete) task.completedAt = this.now();
      else delete task.completedAt;
    }
    return task;
  }

  renderTask(task: TaskRecord): Record<string, unknown> {
    const order = task.orderId === undefined ? undefined : this.orders.get(task.orderId);
    return {
      id: task.id,
      text: task.text,
      ...(task.commentary === undefined ? {} : { commentary: task.commentary }),
      ...(task.datetime === undefined ? {} : { datetime: task.datetime }),
      createdAt: task.createdAt,
      complete: task.complete,
      ...(task.completedAt ? { completedAt: task.completedAt } : {}),
      performer: task.performerId,
      performerType: task.performerType,
      ...(order
        ? {
            order: {
              id: order.id,
              number: order.number,
              ...(order.externalId ? { externalId: order.externalId } : {}),
            },
          }
        : {}),
      ...(task.phone === undefined ? {} : { phone: task.phone }),
    };
  }

  // ---------------------------------------------------------------- users

  renderUser(user: User): Record<string, unknown> {
    const { groups, ...rest } = user;
    return {
      ...rest,
      groups: groups.flatMap((code) => {
        const group = [...this.userGroups.values()].find((candidate) => candidate.code === code);
        return group ? [{ id: group.id, name: group.name, code: group.code }] : [];
      }),
    };
  }

  renderSite(site: Site): Record<string, unknown> {
    const { contragentCode, ...rest } = site;
    const contragent = contragentCode === undefined ? undefined : this.legalEntities.get(contragentCode);
    return { ...rest, ...(contragent ? { contragent, contragentCode } : {}) };
  }

  renderStatusGroup(group: StatusGroup): Record<string, unknown> {
    const statuses = [...this.statuses.values()]
      .filter((status) => status.group === group.code)
      .map((status) => status.code);
    return { ...group, statuses };
  }

  close(): Promise<void> {
    return this.triggers.close();
  }
}
