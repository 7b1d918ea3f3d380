import type { Logger } from '@connector/logger';
import { type Errors, NOT_VALID, throwIfAny } from './account-errors.js';
import * as tasks from './account-tasks.js';
import { doesNotExist, entityFormatErrors, notFound, orderNotLoaded, paymentNotFound } from './api-error.js';
import { DATE_TIME, formatDateTime } from './crm-time.js';
import { applyOrderInput } from './order-edits.js';
import * as history from './order-history.js';
import type { OrderInput, PaymentInput, TaskInput } from './order-input.js';
import { buildPayment, defaultCode } from './order-payments.js';
import { type OrderViewContext, orderTotals, type PaymentsShape, renderOrder } from './order-view.js';
import { SlidingWindowLimiter } from './rate-limiter.js';
import type {
  Actor,
  CustomerRecord,
  HistoryRecord,
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
import { TriggerEngine } from './triggers.js';

export interface AccountDeps {
  logger: Logger;
  clock: () => Date;
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

  /** The next id of its kind. */
  nextId(kind: 'order' | 'item' | 'payment' | 'task' | 'customer' | 'history'): number {
    this.ids[kind] += 1;
    return this.ids[kind];
  }

  readonly viewContext: OrderViewContext;
  /** When the account's settings (`/api/v5/settings`) last changed: its creation, in its own zone. */
  readonly settingsUpdatedAt: string;

  constructor(
    readonly code: string,
    readonly timezone: string,
    readonly deps: AccountDeps,
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
      orderType: input.orderType ?? defaultCode(this.orderTypes, actor) ?? '',
      orderMethod: input.orderMethod ?? defaultCode(this.orderMethods, actor) ?? '',
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
    applyOrderInput(this, draft, { ...input, status }, errors);
    draft.statusUpdatedAt = createdAt;
    const payments = input.payments === undefined ? [] : Object.values(input.payments);
    const paymentRecords = payments.map((payment, index) =>
      buildPayment(this, draft, payment, actor, errors, `payments[${index}]`),
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
    history.commit(this, undefined, draft, actor);
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
    applyOrderInput(this, draft, input, errors);
    if (input.customer?.id !== undefined) {
      if (this.customers.has(input.customer.id)) draft.customerId = input.customer.id;
      else errors.customer = doesNotExist('Customer', 'id', input.customer.id);
    }
    throwIfAny(errors, orderNotLoaded);
    this.recalculate(draft);
    history.commit(this, before, draft, actor);
    return draft;
  }

  /** The offer id of a product the account has not seen: one per offer key, stable for the account. */
  offerIdFor(key: string): number {
    let id = this.offerIds.get(key);
    if (id === undefined) {
      id = 70_000 + this.offerIds.size + 1;
      this.offerIds.set(key, id);
    }
    return id;
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

  createPayment(orderId: number, input: PaymentInput, actor: Actor): PaymentRecord {
    const before = this.requireOrder(orderId);
    const draft = structuredClone(before);
    const errors: Errors = {};
    const payment = buildPayment(this, draft, input, actor, errors);
    if (payment.externalId !== undefined && this.findPayment('externalId', payment.externalId)) {
      errors.externalId = `Payment with externalId "${payment.externalId}" already exists.`;
    }
    throwIfAny(errors, entityFormatErrors);
    payment.id = ++this.ids.payment;
    draft.payments.push(payment);
    this.recalculate(draft);
    history.commit(this, before, draft, actor);
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
    history.commit(this, found.order, draft, actor);
    return payment;
  }

  deletePayment(id: string, actor: Actor): void {
    const found = this.findPayment('id', id);
    if (!found) throw paymentNotFound();
    const draft = structuredClone(found.order);
    draft.payments = draft.payments.filter((payment) => payment.id !== found.payment.id);
    this.recalculate(draft);
    history.commit(this, found.order, draft, actor);
  }

  // ---------------------------------------------------------------- history and triggers

  renderHistory(record: HistoryRecord, readerKey?: string): Record<string, unknown> {
    return history.render(record, readerKey);
  }

  // ---------------------------------------------------------------- tasks

  createTask(input: TaskInput, site: string | undefined, actor: Actor): TaskRecord {
    return tasks.create(this, input, site, actor);
  }

  /** A task edit: the given fields change, checked as on create; `complete` sets or clears `completedAt`. */
  editTask(task: TaskRecord, input: TaskInput, site: string | undefined): TaskRecord {
    return tasks.edit(this, task, input, site);
  }

  renderTask(task: TaskRecord): Record<string, unknown> {
    return tasks.render(this, task);
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
