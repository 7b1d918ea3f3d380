import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@connector/logger';
import type express from 'express';
import type { z } from 'zod';
import type { FaultInjector } from '../faults.js';
import type { RequestLog } from '../request-log.js';
import { CrmAccount } from './account.js';

import { createAccountApp, createUnknownAccountApp } from './api-app.js';
import { createControlRouter } from './control-router.js';
import { type itemInputSchema, orderInputSchema, paymentInputSchema } from './order-input.js';
import type { Actor, TaskRecord } from './records.js';
import { DEFAULT_SEED } from './reference-defaults.js';
import {
  type AccountInput,
  type AccountSettings,
  type ApiKey,
  type ApiKeyInput,
  accountSchema,
  apiKeySchema,
  type SeedInput,
  type SettingsInput,
  seedSchema,
} from './seed-schema.js';
import type { TriggerLogEntry, TriggerRule, TriggerRuleInput } from './triggers.js';

export interface RetailCrmSimulatorOptions {
  logger: Logger;
  faults: FaultInjector;
  requestLog: RequestLog;
  /** Interface the account listeners bind to (default 127.0.0.1). */
  host?: string;
  /** Source of "now" for every date the simulator prints. */
  clock?: () => Date;
}

export interface AccountInfo {
  code: string;
  /** What a connection's "RetailCRM URL" is set to (`https://<code>.retailcrm.ru` in production). */
  baseUrl: string;
  apiKeys: ApiKey[];
  deleted: boolean;
  timezone: string;
  settings: AccountSettings;
}

export type ManagerOrderInput = z.input<typeof orderInputSchema>;
export type ManagerItemInput = z.input<typeof itemInputSchema>;
export type ManagerPaymentInput = z.input<typeof paymentInputSchema>;
export type ApiOrder = Record<string, unknown>;

/** A manager acting in the RetailCRM UI (history `source: user`); defaults to the first active manager. */
export interface ManagerOptions {
  userId?: number;
}

interface Listener {
  server: Server;
  url: string;
}

async function listen(app: express.Application, port: number, host: string): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => {
      if (error) {
        reject(error);
        return;
      }
      const { port: actual } = server.address() as AddressInfo;
      resolve({ server, url: `http://${host}:${actual}` });
    });
  });
}

async function closeListener({ server }: Listener): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * The RetailCRM API v5 simulator: accounts, each on a listener of its own, with typed methods for
 * seeding and for acting as a manager (used in-process by tests and, through `controlRouter()`, over
 * HTTP). Manager actions write history with `source: user`; API calls with `source: api`.
 */
export class RetailCrmSimulator {
  private readonly accounts = new Map<string, { account: CrmAccount; listener: Listener }>();
  private readonly creating = new Set<string>();
  private unknownListener: Promise<Listener> | undefined;
  private readonly host: string;
  private readonly clock: () => Date;
  private closed = false;

  constructor(private readonly options: RetailCrmSimulatorOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.clock = options.clock ?? (() => new Date());
  }

  // ---------------------------------------------------------------- accounts

  /** Creates an account (reference books default to realistic ones) and starts its listener. */
  async createAccount(input: AccountInput): Promise<AccountInfo> {
    const parsed = accountSchema.parse(input);
    if (this.accounts.has(parsed.code) || this.creating.has(parsed.code)) {
      throw new Error(`RetailCRM sandbox account "${parsed.code}" already exists`);
    }
    const account = new CrmAccount(parsed.code, parsed.timezone, {
      logger: this.options.logger,
      clock: this.clock,
    });
    const seed = seedSchema.parse(
      parsed.defaults
        ? Object.fromEntries(
            Object.entries(DEFAULT_SEED).map(([book, items]) => [
              book,
              parsed[book as keyof SeedInput] ?? items,
            ]),
          )
        : parsed,
    );
    account.seed(seed);
    const apiKeys = parsed.apiKeys ?? [
      apiKeySchema.parse({ key: `sandbox-${parsed.code}-${crypto.randomUUID()}` }),
    ];
    for (const key of apiKeys) account.apiKeys.set(key.key, key);
    if (parsed.settings) account.configure(parsed.settings);
    // The code is reserved while the listener starts so two concurrent creates cannot both succeed.
    this.creating.add(parsed.code);
    try {
      const listener = await listen(createAccountApp(account, this.options), parsed.port, this.host);
      this.accounts.set(parsed.code, { account, listener });
      this.options.logger.info('retailcrm sandbox account created', {
        account: parsed.code,
        url: listener.url,
      });
    } finally {
      this.creating.delete(parsed.code);
    }
    return this.accountInfo(parsed.code);
  }

  private entry(code: string) {
    const entry = this.accounts.get(code);
    if (!entry) throw new Error(`RetailCRM sandbox account "${code}" does not exist`);
    return entry;
  }

  /** The account's state, for in-process tests that need more than the typed methods. */
  account(code: string): CrmAccount {
    return this.entry(code).account;
  }

  accountInfo(code: string): AccountInfo {
    const { account, listener } = this.entry(code);
    return {
      code,
      baseUrl: listener.url,
      apiKeys: [...account.apiKeys.values()],
      deleted: account.deleted,
      timezone: account.timezone,
      settings: account.settings,
    };
  }

  listAccounts(): AccountInfo[] {
    return [...this.accounts.keys()].map((code) => this.accountInfo(code));
  }

  /** The account disappears: its listener now answers like a host without an account (HTML 405). */
  deleteAccount(code: string): void {
    this.entry(code).account.deleted = true;
  }

  /** A listener that answers every request like RetailCRM does for an unknown account. */
  async unknownAccountUrl(): Promise<string> {
    this.unknownListener ??= listen(createUnknownAccountApp(this.options), 0, this.host);
    return (await this.unknownListener).url;
  }

  seed(code: string, input: SeedInput): void {
    this.entry(code).account.seed(seedSchema.parse(input));
  }

  addApiKey(code: string, input: ApiKeyInput): ApiKey {
    const key = apiKeySchema.parse(input);
    this.entry(code).account.apiKeys.set(key.key, key);
    return key;
  }

  removeApiKey(code: string, key: string): boolean {
    return this.entry(code).account.apiKeys.delete(key);
  }

  /** Rate limit on/off and 503/429, latency, scope rules, group tasks, trigger timeout. */
  configure(code: string, settings: SettingsInput): AccountSettings {
    return this.entry(code).account.configure(settings);
  }

  // ---------------------------------------------------------------- manager actions (source: user)

  private manager(account: CrmAccount, options: ManagerOptions = {}): Actor {
    if (options.userId !== undefined) {
      if (!account.users.has(options.userId)) throw new Error(`user ${options.userId} does not exist`);
      return { kind: 'user', userId: options.userId };
    }
    const users = [...account.users.values()].filter((user) => user.active);
    const manager = users.find((user) => user.isManager) ?? users.find((user) => user.isAdmin) ?? users[0];
    return { kind: 'user', userId: manager?.id ?? 1 };
  }

  createOrder(
    code: string,
    input: ManagerOrderInput,
    options: ManagerOptions & { site?: string } = {},
  ): ApiOrder {
    const { account } = this.entry(code);
    const site = options.site ?? [...account.sites.keys()][0] ?? '';
    const order = account.createOrder(orderInputSchema.parse(input), site, this.manager(account, options));
    return account.render(order, 'keyed');
  }

  /** Any change a manager can make in the order card (partial update, `items` = the full list). */
  editOrder(code: string, orderId: number, patch: ManagerOrderInput, options: ManagerOptions = {}): ApiOrder {
    const { account } = this.entry(code);
    const order = account.editOrder(orderId, orderInputSchema.parse(patch), this.manager(account, options));
    return account.render(order, 'keyed');
  }

  setOrderStatus(code: string, orderId: number, status: string, options: ManagerOptions = {}): ApiOrder {
    return this.editOrder(code, orderId, { status }, options);
  }

  /** The order's shop (`shipmentStore`); `null` clears it. */
  setShipmentStore(
    code: string,
    orderId: number,
    store: string | null,
    options: ManagerOptions = {},
  ): ApiOrder {
    return this.editOrder(code, orderId, { shipmentStore: store }, options);
  }

  setOrderItems(
    code: string,
    orderId: number,
    items: ManagerItemInput[],
    options: ManagerOptions = {},
  ): ApiOrder {
    return this.editOrder(code, orderId, { items }, options);
  }

  /**
   * Assigns a courier (`delivery.data.courierId`, docs/RETAILCRM-API.md, «Courier of an order»); `null`
   * removes it.
   */
  setCourier(
    code: string,
    orderId: number,
    courierId: number | null,
    options: ManagerOptions = {},
  ): ApiOrder {
    return this.editOrder(code, orderId, { delivery: { data: { courierId } } }, options);
  }

  addPayment(
    code: string,
    orderId: number,
    payment: ManagerPaymentInput,
    options: ManagerOptions = {},
  ): Record<string, unknown> {
    const { account } = this.entry(code);
    const created = account.createPayment(
      orderId,
      paymentInputSchema.parse(payment),
      this.manager(account, options),
    );
    return { ...created };
  }

  setPaymentStatus(code: string, paymentId: number, status: string, options: ManagerOptions = {}): ApiOrder {
    const { account } = this.entry(code);
    account.editPayment('id', String(paymentId), { status }, this.manager(account, options));
    const found = account.findPayment('id', String(paymentId));
    return found ? account.render(found.order, 'keyed') : {};
  }

  // ---------------------------------------------------------------- reads

  /** The order exactly as `GET /api/v5/orders/{id}?by=id` prints it. */
  getOrder(code: string, orderId: number): ApiOrder | undefined {
    const { account } = this.entry(code);
    const order = account.orders.get(orderId);
    return order && account.render(order, 'keyed');
  }

  listOrders(code: string): ApiOrder[] {
    const { account } = this.entry(code);
    return [...account.orders.values()].map((order) => account.render(order, 'keyed'));
  }

  /** History entries as the API prints them; `apiKey.current` is computed for `asApiKey`. */
  history(
    code: string,
    filter: { sinceId?: number; orderId?: number; asApiKey?: string } = {},
  ): Record<string, unknown>[] {
    const { account } = this.entry(code);
    return account.history
      .filter(
        (entry) =>
          (filter.sinceId === undefined || entry.id > filter.sinceId) &&
          (filter.orderId === undefined || entry.orderId === filter.orderId),
      )
      .map((entry) => account.renderHistory(entry, filter.asApiKey));
  }

  tasks(code: string): Record<string, unknown>[] {
    const { account } = this.entry(code);
    return [...account.tasks.values()].map((task: TaskRecord) => account.renderTask(task));
  }

  // ---------------------------------------------------------------- triggers

  setTriggerRules(code: string, rules: TriggerRuleInput[]): TriggerRule[] {
    return this.entry(code).account.triggers.setRules(rules);
  }

  addTriggerRule(code: string, rule: TriggerRuleInput): TriggerRule {
    return this.entry(code).account.triggers.addRule(rule);
  }

  setTriggerRuleActive(code: string, ruleId: number, active: boolean): TriggerRule | undefined {
    return this.entry(code).account.triggers.setRuleActive(ruleId, active);
  }

  /** All triggers of the account on or off (reconciliation tests switch them off). */
  setTriggersEnabled(code: string, enabled: boolean): void {
    this.entry(code).account.triggers.enabled = enabled;
  }

  triggers(code: string): { enabled: boolean; rules: TriggerRule[] } {
    const { triggers } = this.entry(code).account;
    return { enabled: triggers.enabled, rules: triggers.listRules() };
  }

  triggerLog(code: string): TriggerLogEntry[] {
    return this.entry(code).account.triggers.log();
  }

  /** Resolves when every trigger fired so far has been delivered or has failed. */
  triggersSettled(code: string): Promise<void> {
    return this.entry(code).account.triggers.settled();
  }

  // ---------------------------------------------------------------- page, control, lifecycle

  /** Plain data for the sandbox page. */
  snapshot() {
    return {
      accounts: [...this.accounts.entries()].map(([code, { account }]) => ({
        ...this.accountInfo(code),
        counts: { orders: account.orders.size, tasks: account.tasks.size, history: account.history.length },
        orders: this.listOrders(code)
          .sort((a, b) => Number(b.id) - Number(a.id))
          .slice(0, 50),
        tasks: this.tasks(code).slice(-50),
        history: this.history(code).slice(-100),
        triggers: this.triggers(code),
        triggerLog: this.triggerLog(code).slice(-50),
      })),
    };
  }

  controlRouter(): express.Router {
    return createControlRouter(this);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const listeners = [...this.accounts.values()].map(({ listener }) => listener);
    const unknown = this.unknownListener;
    await Promise.all([
      ...[...this.accounts.values()].map(({ account }) => account.close()),
      ...listeners.map(closeListener),
      ...(unknown ? [unknown.then(closeListener)] : []),
    ]);
  }
}
