import type { Logger } from '@connector/logger';
import type express from 'express';
import { createApiApp } from './api-app.js';
import {
  archiveIn,
  type CatalogSpec,
  createIn,
  employees,
  legalEntities,
  outlets,
  type UndeclaredExtensionMode,
  workplaces,
} from './catalog.js';
import { createControlRouter } from './control-router.js';
import { LifePosApiError } from './errors.js';
import type { JsonPatchOperation } from './json-patch.js';
import {
  DEFAULT_TAXES,
  type Employee,
  type LegalEntity,
  type ModelTail,
  type MoneyDocument,
  type NotificationServiceExtension,
  type Organization,
  type Outlet,
  type RoleType,
  ref,
  type Sale,
  type SalePayment,
  type SaleRefund,
  type Workplace,
} from './model.js';
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  type DeliveryFilter,
  type DeliveryRecord,
  NotificationDispatcher,
  type NotificationSettings,
  type NotificationTarget,
} from './notifications.js';
import { patchOrganization } from './organization-patch.js';
import { lookup, type OperationContext, type OrgState } from './organization-state.js';
import { view } from './presentation.js';
import { DEFAULT_RATE_LIMIT, PerSecondLimiter, type RateLimitSettings } from './rate-limiter.js';
import { patchRefund, refundablePayment } from './refund-actions.js';
import {
  archiveSale,
  cancelSale,
  completeSale,
  createRefund,
  createSale,
  moveGoods,
  type NumberUniqueness,
  type PaymentInput,
  patchSale,
  paymentsOf,
  refundsOf,
  type SaleOptions,
  takePayment,
} from './sales.js';
import { seedOrganization, seedSaleBody } from './seeding.js';
import type {
  AddEmployeeInput,
  ClientViewOptions,
  CreateOrganizationInput,
  LifePosSimulatorOptions,
  LifePosSnapshot,
  RefundActionInput,
  SaleWithDocuments,
  SeededOrganization,
  SeedSaleInput,
  SubscriptionInput,
} from './simulator-types.js';
import { snapshotOf } from './snapshot.js';
import { LifePosStore, ROLE_GUIDS } from './store.js';
import { roleTypeSchema } from './validation.js';

/** What tests seed with (the rest of the simulator's types: `simulator-types.ts`). */
export type { SeededOrganization } from './simulator-types.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const ALL_EXTENSIONS: ReadonlySet<string> = new Set(['notification_service']);

/**
 * The LIFE POS API v6 simulator (reference: docs/LIFEPOS-API.md). All state lives in
 * memory; the typed methods below seed and act on it (tests call them in-process, the control routes
 * call them over HTTP) and `app()` serves the API itself.
 */
export class LifePosSimulator {
  readonly store: LifePosStore;
  readonly limiter: PerSecondLimiter;
  readonly logger: Logger;
  private readonly notifications: NotificationDispatcher;
  private readonly ctx: OperationContext;
  private readonly clock: () => number;
  private readonly defaultRateLimit: RateLimitSettings;
  private readonly undeclaredExtensions: UndeclaredExtensionMode;
  private readonly numberUniqueness: NumberUniqueness;
  private seedCounter = 0;

  constructor(private readonly options: LifePosSimulatorOptions) {
    this.logger = options.logger;
    this.clock = options.clock ?? Date.now;
    this.ctx = { now: () => new Date(this.clock()).toISOString(), taxes: options.taxes ?? DEFAULT_TAXES };
    this.store = new LifePosStore(this.ctx, this.clock, options.tokenTtlMs ?? DAY_MS);
    this.limiter = new PerSecondLimiter(this.clock);
    this.defaultRateLimit = { ...DEFAULT_RATE_LIMIT, ...options.rateLimit };
    this.undeclaredExtensions = options.undeclaredExtensions ?? 'reject';
    this.numberUniqueness = options.numberUniqueness ?? 'alive';
    this.notifications = new NotificationDispatcher(options.logger, options.random);
    this.notifications.configure({ ...DEFAULT_NOTIFICATION_SETTINGS, ...options.notifications });
  }

  /** The whole LIFE POS API (paths with and without `/v6`). */
  app(): express.Application {
    return createApiApp(this, this.options.faults, this.options.requestLog);
  }

  /** Control routes, mounted by the sandbox under `/_sandbox/lifepos`. */
  controlRouter(): express.Router {
    return createControlRouter(this);
  }

  async close(): Promise<void> {
    await this.notifications.close();
  }

  // ── Options used by the HTTP layer ───────────────────────────────────────────────────────────────

  writeOptions(declaredExtensions: ReadonlySet<string> = ALL_EXTENSIONS): SaleOptions {
    return {
      declaredExtensions,
      undeclaredExtensions: this.undeclaredExtensions,
      numberUniqueness: this.numberUniqueness,
    };
  }

  /** An object as a client sees it (presentation, declared extensions). */
  view<T extends object>(org: string, object: T, options: ClientViewOptions = {}): T {
    const state = this.store.org(org);
    return view(
      object,
      {
        presentation: options.presentation ?? 'compact',
        declaredExtensions: options.declaredExtensions ?? ALL_EXTENSIONS,
      },
      (reference) => lookup(state, reference),
    );
  }

  // ── Organizations and their reference data ───────────────────────────────────────────────────────

  /** An organization with an Owner (phone + password), a legal entity with INN, an outlet and a workplace. */
  createOrganization(input: CreateOrganizationInput = {}): SeededOrganization {
    return seedOrganization(this, input, {
      n: ++this.seedCounter,
      now: this.ctx.now(),
      rateLimit: this.defaultRateLimit,
    });
  }

  organizations(): Organization[] {
    return [...this.store.orgs.values()].map((org) => structuredClone(org.organization));
  }

  organization(org: string): Organization {
    return structuredClone(this.store.org(org).organization);
  }

  /** `PATCH /orgs/{org}` (JSON Patch; name, alias, support, meta, extensions). */
  patchOrganization(
    org: string,
    operations: readonly JsonPatchOperation[],
    declaredExtensions: ReadonlySet<string> = ALL_EXTENSIONS,
  ): Organization {
    return patchOrganization(
      this.store,
      org,
      operations,
      this.writeOptions(declaredExtensions),
      this.ctx.now,
    );
  }

  /**
   * Subscribes the organization to notifications, as the connector does through `PATCH /orgs/{org}`
   * (docs/LIFEPOS-API.md, «Subscribing»).
   */
  subscribe(org: string, input: SubscriptionInput): NotificationServiceExtension {
    this.patchOrganization(org, [
      {
        op: 'add',
        path: '/extensions/notification_service',
        value: {
          turned_on: true,
          primary_url_for_notifications: input.primaryUrl,
          secondary_url_for_notifications: input.secondaryUrl ?? null,
          version: input.version ?? '1.0',
        },
      },
    ]);
    return this.subscription(org) as NotificationServiceExtension;
  }

  unsubscribe(org: string): void {
    if (!this.subscription(org)) return;
    this.patchOrganization(org, [
      { op: 'replace', path: '/extensions/notification_service/turned_on', value: false },
    ]);
  }

  subscription(org: string): NotificationServiceExtension | undefined {
    const service = this.store.org(org).organization.extensions.notification_service;
    return service ? (structuredClone(service) as unknown as NotificationServiceExtension) : undefined;
  }

  private created<T extends ModelTail>(
    spec: CatalogSpec<T>,
    org: string,
    body: unknown,
    declared?: ReadonlySet<string>,
  ): T {
    return structuredClone(createIn(spec, this.store.org(org), body, this.ctx, this.writeOptions(declared)));
  }

  addLegalEntity(org: string, input: Record<string, unknown>, declared?: ReadonlySet<string>): LegalEntity {
    return this.created(legalEntities, org, input, declared);
  }

  /** `legal_entity` defaults to the organization's first legal entity. */
  addOutlet(org: string, input: Record<string, unknown>, declared?: ReadonlySet<string>): Outlet {
    const first = [...this.store.org(org).legalEntities.values()].find(
      (entity) => entity.deleted_at === null,
    );
    const body =
      input.legal_entity === undefined && first ? { ...input, legal_entity: { guid: first.guid } } : input;
    return this.created(outlets, org, body, declared);
  }

  addEmployee(org: string, input: AddEmployeeInput): Employee {
    const role = input.role ?? 'Courier';
    const roleGuid = roleTypeSchema.safeParse(role).success ? ROLE_GUIDS[role as RoleType] : role;
    const n = ++this.seedCounter;
    const phone = input.phone ?? `7988${String(n).padStart(7, '0')}`;
    const { password, role: _role, ...fields } = input;
    const employee = this.created(employees, org, {
      username: `employee-${n}`,
      ...fields,
      phone,
      role: { guid: roleGuid },
    });
    if (password !== undefined) this.store.setPassword(phone, password);
    return employee;
  }

  addWorkplace(org: string, input: Record<string, unknown>, declared?: ReadonlySet<string>): Workplace {
    return this.created(workplaces, org, input, declared);
  }

  archiveEmployee(org: string, guid: string): Employee {
    return structuredClone(archiveIn(employees, this.store.org(org), guid, this.ctx));
  }

  employees(org: string): Employee[] {
    return [...this.store.org(org).employees.values()].map((item) => structuredClone(item));
  }

  legalEntities(org: string): LegalEntity[] {
    return [...this.store.org(org).legalEntities.values()].map((item) => structuredClone(item));
  }

  outlets(org: string): Outlet[] {
    return [...this.store.org(org).outlets.values()].map((item) => structuredClone(item));
  }

  workplaces(org: string): Workplace[] {
    return [...this.store.org(org).workplaces.values()].map((item) => structuredClone(item));
  }

  // ── Sales ────────────────────────────────────────────────────────────────────────────────────────

  /** `POST /orgs/{org}/deals/sales` with a wire body (validated like the API does). */
  createSale(org: string, body: unknown): Sale {
    const state = this.store.org(org);
    const sale = createSale(state, body, this.ctx, this.writeOptions());
    this.notify(state, sale);
    return structuredClone(sale);
  }

  /** A sale with one position and defaults for everything not given. */
  seedSale(org: string, input: SeedSaleInput = {}): Sale {
    const state = this.store.org(org);
    const body = seedSaleBody(state, input, () => `S-${++this.seedCounter}`, this.ctx.now);
    return this.createSale(org, body);
  }

  sale(org: string, guid: string): SaleWithDocuments {
    const state = this.store.org(org);
    const sale = state.sales.get(guid);
    if (!sale) throw new LifePosApiError(404, 'NotFound', `Sale ${guid} is not found`);
    return structuredClone({ sale, payments: paymentsOf(state, guid), refunds: refundsOf(state, guid) });
  }

  sales(org: string): SaleWithDocuments[] {
    return [...this.store.org(org).sales.keys()].map((guid) => this.sale(org, guid));
  }

  /** `PATCH /orgs/{org}/deals/sales/{guid}`: notifies when anything changed. */
  patchSale(
    org: string,
    guid: string,
    operations: readonly JsonPatchOperation[],
    declared?: ReadonlySet<string>,
  ): Sale {
    const state = this.store.org(org);
    const before = state.sales.get(guid);
    const sale = patchSale(state, guid, operations, this.ctx, this.writeOptions(declared));
    const { updated_at: _after, ...afterRest } = sale;
    const { updated_at: _before, ...beforeRest } = before ?? sale;
    if (JSON.stringify(afterRest) !== JSON.stringify(beforeRest)) this.notify(state, sale);
    else if (before) state.sales.set(guid, before);
    return structuredClone(sale);
  }

  /** `DELETE /orgs/{org}/deals/sales/{guid}`: moves the sale to the archive. */
  archiveSale(org: string, guid: string): Sale {
    const state = this.store.org(org);
    const sale = archiveSale(state, guid, this.ctx);
    this.notify(state, sale);
    return structuredClone(sale);
  }

  /** A cashier / courier takes a cash, card or mixed payment (kopecks). */
  takePayment(org: string, sale: string, input: PaymentInput): SalePayment {
    const state = this.store.org(org);
    const result = takePayment(state, sale, input, this.ctx);
    this.notify(state, result.payment);
    this.notify(state, result.sale);
    return structuredClone(result.payment);
  }

  ship(org: string, sale: string, options: { partial?: boolean } = {}): Sale {
    return this.moved(org, sale, options.partial ? 'ship_partially' : 'ship');
  }

  returnGoods(org: string, sale: string, options: { partial?: boolean } = {}): Sale {
    return this.moved(org, sale, options.partial ? 'return_partially' : 'return');
  }

  private moved(org: string, sale: string, action: Parameters<typeof moveGoods>[2]): Sale {
    const state = this.store.org(org);
    const moved = moveGoods(state, sale, action, this.ctx);
    this.notify(state, moved);
    return structuredClone(moved);
  }

  complete(org: string, sale: string): Sale {
    const state = this.store.org(org);
    const completed = completeSale(state, sale, this.ctx);
    this.notify(state, completed);
    return structuredClone(completed);
  }

  /**
   * Cancels a sale in New (docs/LIFEPOS-API.md, «Meaning of the states»); any other state → 422
   * OperationCannotBePerformed.
   */
  cancel(org: string, sale: string): Sale {
    const state = this.store.org(org);
    const cancelled = cancelSale(state, sale, this.ctx);
    this.notify(state, cancelled);
    return structuredClone(cancelled);
  }

  /** `POST .../docs/money/refunds` with a wire body (`for_payment`, optional amounts). */
  createRefund(org: string, sale: string, body: unknown, actor?: Employee): SaleRefund {
    const state = this.store.org(org);
    const result = createRefund(state, sale, body, this.ctx, actor ? ref(actor) : undefined);
    this.notify(state, result.refund);
    this.notify(state, result.sale);
    return structuredClone(result.refund);
  }

  /** Refund at the till: the given payment (default the latest one with money left), whole or in part. */
  refund(org: string, sale: string, input: RefundActionInput = {}): SaleRefund {
    const payment = input.payment ?? refundablePayment(this.store.org(org), sale);
    const amount = (value: number | undefined) =>
      value === undefined ? undefined : { value, currency: 'RUB' };
    return this.createRefund(org, sale, {
      for_payment: { guid: payment },
      total_sum: amount(input.total),
      sum_by_cash: amount(input.cash),
      sum_by_card: amount(input.card),
    });
  }

  /** `PATCH .../docs/money/refunds/{doc}` (V3): meta and meta_data only. */
  patchRefund(
    org: string,
    sale: string,
    guid: string,
    operations: readonly JsonPatchOperation[],
  ): SaleRefund {
    const state = this.store.org(org);
    const updated = patchRefund(state, sale, guid, operations, this.ctx, this.writeOptions());
    this.notify(state, updated);
    return structuredClone(updated);
  }

  // ── Limits and tokens ────────────────────────────────────────────────────────────────────────────

  setRateLimit(org: string, settings: Partial<RateLimitSettings>): RateLimitSettings {
    const state = this.store.org(org);
    state.rateLimit = { ...state.rateLimit, ...settings };
    this.limiter.reset(org);
    return { ...state.rateLimit };
  }

  rateLimit(org: string): RateLimitSettings {
    return { ...this.store.org(org).rateLimit };
  }

  /** TTL of tokens issued from now on. */
  setTokenTtl(ms: number): void {
    this.store.tokenTtlMs = ms;
  }

  tokenTtl(): number {
    return this.store.tokenTtlMs;
  }

  /** Expires all issued tokens (or those of one phone): the next call with them gets 401. */
  expireTokens(phone?: string): number {
    return this.store.expireTokens(phone);
  }

  /** The bearer tokens issued so far (or those of one phone), expired ones too: for tests that look for leaks. */
  issuedTokens(phone?: string): string[] {
    return this.store.issuedTokens(phone);
  }

  signIn(phone: string, password: string): string {
    return this.store.signInByPhone(phone, password);
  }

  // ── Notifications ────────────────────────────────────────────────────────────────────────────────

  configureNotifications(settings: Partial<NotificationSettings>): NotificationSettings {
    return this.notifications.configure(settings);
  }

  notificationSettings(): NotificationSettings {
    return this.notifications.settings();
  }

  deliveries(filter?: DeliveryFilter): DeliveryRecord[] {
    return this.notifications.deliveries(filter);
  }

  clearDeliveries(): void {
    this.notifications.clearDeliveries();
  }

  /** Resolves when every notification has been delivered or has given up (retries included). */
  notificationsIdle(): Promise<void> {
    return this.notifications.idle();
  }

  private notify(org: OrgState, object: Sale | MoneyDocument): void {
    const service = org.organization.extensions.notification_service as
      | NotificationServiceExtension
      | undefined;
    const target: NotificationTarget | undefined =
      service?.turned_on && service.primary_url_for_notifications
        ? {
            primaryUrl: service.primary_url_for_notifications,
            secondaryUrl: service.secondary_url_for_notifications,
          }
        : undefined;
    const payload = view(
      object,
      { presentation: 'compact', declaredExtensions: ALL_EXTENSIONS },
      () => undefined,
    );
    this.notifications.dispatch(org.organization.guid, target, payload as unknown as Record<string, unknown>);
  }

  // ── Inspection ───────────────────────────────────────────────────────────────────────────────────

  snapshot(): LifePosSnapshot {
    return snapshotOf(this);
  }

  /** Forgets every organization, account, token, rate window and delivery. */
  reset(): void {
    this.store.reset();
    this.limiter.reset();
    this.notifications.clearDeliveries();
  }
}
