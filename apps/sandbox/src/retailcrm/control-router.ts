import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { CrmApiError } from './api-error.js';
import { itemInputSchema, orderInputSchema, paymentInputSchema } from './order-input.js';
import { apiKeySchema, settingsSchema } from './seed-schema.js';
import type { RetailCrmSimulator } from './simulator.js';
import { triggerRuleSchema } from './triggers.js';

/**
 * `/_sandbox/retailcrm/*`: thin JSON wrappers over the simulator's typed methods. Errors: 404 for an
 * unknown account, 400 with zod issues for a malformed body, and the RetailCRM error (status, errorMsg,
 * errors) when a manager action is refused the way RetailCRM would refuse it.
 */
const manager = { userId: z.number().int().positive().optional() };
const orderBody = z.object({ order: orderInputSchema, site: z.string().optional(), ...manager });
const statusBody = z.object({ status: z.string().min(1), ...manager });
const storeBody = z.object({ store: z.string().min(1).nullable(), ...manager });
const itemsBody = z.object({ items: z.array(itemInputSchema), ...manager });
const courierBody = z.object({ courierId: z.number().int().positive().nullable(), ...manager });
const paymentBody = z.object({ payment: paymentInputSchema, ...manager });
const rulesBody = z.object({ rules: z.array(z.record(z.string(), z.unknown())) });
const enabledBody = z.object({ enabled: z.boolean() });
const activeBody = z.object({ active: z.boolean() });
const historyQuery = z.object({
  sinceId: z.coerce.number().int().optional(),
  orderId: z.coerce.number().int().optional(),
  asApiKey: z.string().optional(),
});

class UnknownAccount extends Error {}

function accountCode(simulator: RetailCrmSimulator, req: Request): string {
  const code = String(req.params.code);
  if (!simulator.listAccounts().some((account) => account.code === code)) throw new UnknownAccount(code);
  return code;
}

function id(req: Request): number {
  const value = Number(req.params.id);
  if (!Number.isInteger(value))
    throw new z.ZodError([
      { code: 'custom', path: ['id'], message: 'must be an integer', input: req.params.id },
    ]);
  return value;
}

type Handler = (
  req: Request,
) => Promise<{ status?: number; body?: unknown }> | { status?: number; body?: unknown };

function route(handler: Handler) {
  return async (req: Request, res: Response) => {
    try {
      const { status = 200, body } = await handler(req);
      if (body === undefined) res.status(status === 200 ? 204 : status).end();
      else res.status(status).json(body);
    } catch (error) {
      if (error instanceof UnknownAccount)
        res.status(404).json({ error: `account "${error.message}" does not exist` });
      else if (error instanceof z.ZodError)
        res.status(400).json({ error: 'invalid request', issues: error.issues });
      else if (error instanceof CrmApiError)
        res.status(error.status).json({ error: error.errorMsg, errors: error.errors });
      else res.status(400).json({ error: error instanceof Error ? error.message : String(error) });
    }
  };
}

/** The simulator's accounts: listing, creating, seeding, settings, API keys. */
function accountRoutes(router: express.Router, simulator: RetailCrmSimulator): void {
  router.get(
    '/',
    route(() => ({ body: { accounts: simulator.listAccounts() } })),
  );
  router.get(
    '/snapshot',
    route(() => ({ body: simulator.snapshot() })),
  );
  router.get(
    '/unknown-account-url',
    route(async () => ({ body: { url: await simulator.unknownAccountUrl() } })),
  );

  router.post(
    '/accounts',
    route(async (req) => ({ status: 201, body: await simulator.createAccount(req.body) })),
  );
  router.get(
    '/accounts',
    route(() => ({ body: { accounts: simulator.listAccounts() } })),
  );
  router.get(
    '/accounts/:code',
    route((req) => ({ body: simulator.accountInfo(accountCode(simulator, req)) })),
  );
  router.delete(
    '/accounts/:code',
    route((req) => {
      simulator.deleteAccount(accountCode(simulator, req));
      return { status: 204 };
    }),
  );
  router.post(
    '/accounts/:code/seed',
    route((req) => {
      const code = accountCode(simulator, req);
      simulator.seed(code, req.body);
      return { body: simulator.accountInfo(code) };
    }),
  );
  router.patch(
    '/accounts/:code/settings',
    route((req) => ({
      body: simulator.configure(accountCode(simulator, req), settingsSchema.parse(req.body)),
    })),
  );
  router.post(
    '/accounts/:code/api-keys',
    route((req) => ({
      status: 201,
      body: simulator.addApiKey(accountCode(simulator, req), apiKeySchema.parse(req.body)),
    })),
  );
}

/** Orders and payments, changed as a manager in the RetailCRM UI changes them. */
function orderRoutes(router: express.Router, simulator: RetailCrmSimulator): void {
  router.get(
    '/accounts/:code/orders',
    route((req) => ({ body: { orders: simulator.listOrders(accountCode(simulator, req)) } })),
  );
  router.post(
    '/accounts/:code/orders',
    route((req) => {
      const { order, site, userId } = orderBody.parse(req.body);
      return {
        status: 201,
        body: { order: simulator.createOrder(accountCode(simulator, req), order, { site, userId }) },
      };
    }),
  );
  router.get(
    '/accounts/:code/orders/:id',
    route((req) => {
      const order = simulator.getOrder(accountCode(simulator, req), id(req));
      return order ? { body: { order } } : { status: 404, body: { error: 'order not found' } };
    }),
  );
  router.post(
    '/accounts/:code/orders/:id/edit',
    route((req) => {
      const { order, userId } = orderBody.parse(req.body);
      return {
        body: { order: simulator.editOrder(accountCode(simulator, req), id(req), order, { userId }) },
      };
    }),
  );
  router.post(
    '/accounts/:code/orders/:id/status',
    route((req) => {
      const { status, userId } = statusBody.parse(req.body);
      return {
        body: { order: simulator.setOrderStatus(accountCode(simulator, req), id(req), status, { userId }) },
      };
    }),
  );
  router.post(
    '/accounts/:code/orders/:id/shipment-store',
    route((req) => {
      const { store, userId } = storeBody.parse(req.body);
      return {
        body: { order: simulator.setShipmentStore(accountCode(simulator, req), id(req), store, { userId }) },
      };
    }),
  );
  router.post(
    '/accounts/:code/orders/:id/items',
    route((req) => {
      const { items, userId } = itemsBody.parse(req.body);
      return {
        body: { order: simulator.setOrderItems(accountCode(simulator, req), id(req), items, { userId }) },
      };
    }),
  );
  router.post(
    '/accounts/:code/orders/:id/courier',
    route((req) => {
      const { courierId, userId } = courierBody.parse(req.body);
      return {
        body: { order: simulator.setCourier(accountCode(simulator, req), id(req), courierId, { userId }) },
      };
    }),
  );
  router.post(
    '/accounts/:code/orders/:id/payments',
    route((req) => {
      const { payment, userId } = paymentBody.parse(req.body);
      return {
        status: 201,
        body: { payment: simulator.addPayment(accountCode(simulator, req), id(req), payment, { userId }) },
      };
    }),
  );
  router.post(
    '/accounts/:code/payments/:id/status',
    route((req) => {
      const { status, userId } = statusBody.parse(req.body);
      return {
        body: { order: simulator.setPaymentStatus(accountCode(simulator, req), id(req), status, { userId }) },
      };
    }),
  );
}

/** Order history and tasks, as an account keeps them. */
function historyRoutes(router: express.Router, simulator: RetailCrmSimulator): void {
  router.get(
    '/accounts/:code/history',
    route((req) => ({
      body: { history: simulator.history(accountCode(simulator, req), historyQuery.parse(req.query)) },
    })),
  );
  router.get(
    '/accounts/:code/tasks',
    route((req) => ({ body: { tasks: simulator.tasks(accountCode(simulator, req)) } })),
  );
}

/** Trigger rules, their switches and what they sent. */
function triggerRoutes(router: express.Router, simulator: RetailCrmSimulator): void {
  router.get(
    '/accounts/:code/triggers',
    route((req) => ({ body: simulator.triggers(accountCode(simulator, req)) })),
  );
  router.put(
    '/accounts/:code/triggers',
    route((req) => {
      const { rules } = rulesBody.parse(req.body);
      const parsed = rules.map((rule) => triggerRuleSchema.parse(rule));
      return { body: { rules: simulator.setTriggerRules(accountCode(simulator, req), parsed) } };
    }),
  );
  router.post(
    '/accounts/:code/triggers',
    route((req) => ({
      status: 201,
      body: {
        rule: simulator.addTriggerRule(accountCode(simulator, req), triggerRuleSchema.parse(req.body)),
      },
    })),
  );
  router.patch(
    '/accounts/:code/triggers',
    route((req) => {
      const code = accountCode(simulator, req);
      simulator.setTriggersEnabled(code, enabledBody.parse(req.body).enabled);
      return { body: simulator.triggers(code) };
    }),
  );
  router.patch(
    '/accounts/:code/triggers/:id',
    route((req) => {
      const rule = simulator.setTriggerRuleActive(
        accountCode(simulator, req),
        id(req),
        activeBody.parse(req.body).active,
      );
      return rule ? { body: { rule } } : { status: 404, body: { error: 'rule not found' } };
    }),
  );
  router.get(
    '/accounts/:code/trigger-log',
    route((req) => ({ body: { entries: simulator.triggerLog(accountCode(simulator, req)) } })),
  );
}

export function createControlRouter(simulator: RetailCrmSimulator): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '10mb' }));
  accountRoutes(router, simulator);
  orderRoutes(router, simulator);
  historyRoutes(router, simulator);
  triggerRoutes(router, simulator);
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(400).json({ error: error instanceof Error ? error.message : 'invalid request' });
  });
  return router;
}
