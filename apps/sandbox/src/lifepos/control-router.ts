import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { LifePosApiError } from './errors.js';
import { ROLE_TYPES } from './model.js';
import type { LifePosSimulator } from './simulator.js';

/**
 * `/_sandbox/lifepos/*`: thin JSON wrappers over the simulator's typed methods, for tests in other
 * processes and for the page. Bodies are checked with zod (400 on a bad control body); errors of the
 * simulated API itself keep their LIFE POS status and body.
 */

const kopecks = z.number().int().min(0);

const createOrganizationBody = z
  .object({
    guid: z.guid().optional(),
    name: z.string().optional(),
    alias: z.string().optional(),
    owner: z
      .object({
        name: z.string().optional(),
        username: z.string().optional(),
        phone: z.string().optional(),
        password: z.string().optional(),
      })
      .optional(),
    legalEntity: z.record(z.string(), z.unknown()).optional(),
    outlet: z.object({ name: z.string().optional(), address: z.string().optional() }).optional(),
  })
  .default({});

const employeeBody = z.object({
  name: z.string(),
  phone: z.string().optional(),
  username: z.string().optional(),
  role: z.union([z.enum(ROLE_TYPES), z.guid()]).optional(),
  password: z.string().optional(),
  email: z.string().nullable().optional(),
  inn: z.string().nullable().optional(),
  meta: z.string().nullable().optional(),
  meta_data: z.record(z.string(), z.unknown()).nullable().optional(),
});

const seedSaleBody = z
  .object({
    number: z.string().optional(),
    guid: z.guid().optional(),
    total: kopecks.optional(),
    outlet: z.guid().optional(),
    workplace: z.guid().nullable().optional(),
    opened_by: z.guid().optional(),
    comment: z.string().nullable().optional(),
    meta: z.string().nullable().optional(),
    meta_data: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .default({});

const paymentBody = z.object({
  cash: kopecks.optional(),
  card: kopecks.optional(),
  employee: z.guid().optional(),
  workplace: z.guid().optional(),
});

const partialBody = z.object({ partial: z.boolean().optional() }).default({});

const refundBody = z
  .object({
    payment: z.guid().optional(),
    cash: kopecks.optional(),
    card: kopecks.optional(),
    total: kopecks.optional(),
  })
  .default({});

const rateLimitBody = z.object({
  enabled: z.boolean().optional(),
  perSecond: z.number().int().positive().optional(),
  retryAfterHeader: z.boolean().optional(),
});

const subscriptionBody = z.object({
  primaryUrl: z.url(),
  secondaryUrl: z.url().nullable().optional(),
  version: z.string().optional(),
});

const notificationSettingsBody = z.object({
  enabled: z.boolean().optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  baseDelayMs: z.number().int().min(0).optional(),
  maxDelayMs: z.number().int().min(0).optional(),
  timeoutMs: z.number().int().positive().optional(),
  duplicateRate: z.number().min(0).max(1).optional(),
  reorderRate: z.number().min(0).max(1).optional(),
  reorderHoldMs: z.number().int().min(0).optional(),
});

const deliveryQuery = z.object({
  org: z.string().optional(),
  type_of: z.string().optional(),
  object_guid: z.string().optional(),
  status: z.enum(['held', 'pending', 'delivered', 'failed', 'suppressed']).optional(),
});

class ControlBodyError extends Error {
  constructor(readonly issues: z.core.$ZodIssue[]) {
    super('invalid control body');
  }
}

function body<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const parsed = schema.safeParse(req.body ?? undefined);
  if (!parsed.success) throw new ControlBodyError(parsed.error.issues);
  return parsed.data;
}

const org = (req: Request) => String(req.params.org);
const sale = (req: Request) => String(req.params.sale);

/** The whole state, a reset, organizations and their reference data, limits and subscription. */
function organizationRoutes(router: express.Router, sim: LifePosSimulator): void {
  router.get('/', (_req, res) => {
    res.json(sim.snapshot());
  });
  router.post('/reset', (_req, res) => {
    sim.reset();
    res.status(204).end();
  });

  router.post('/orgs', (req, res) => {
    res.status(201).json(sim.createOrganization(body(createOrganizationBody, req)));
  });
  router.get('/orgs', (_req, res) => {
    res.json({ organizations: sim.organizations() });
  });
  router.get('/orgs/:org', (req, res) => {
    const guid = org(req);
    res.json({
      organization: sim.organization(guid),
      rate_limit: sim.rateLimit(guid),
      employees: sim.employees(guid),
      legal_entities: sim.legalEntities(guid),
      outlets: sim.outlets(guid),
      workplaces: sim.workplaces(guid),
    });
  });
  router.post('/orgs/:org/legal-entities', (req, res) => {
    res.status(201).json(sim.addLegalEntity(org(req), body(z.record(z.string(), z.unknown()), req)));
  });
  router.post('/orgs/:org/outlets', (req, res) => {
    res.status(201).json(sim.addOutlet(org(req), body(z.record(z.string(), z.unknown()), req)));
  });
  router.post('/orgs/:org/employees', (req, res) => {
    res.status(201).json(sim.addEmployee(org(req), body(employeeBody, req)));
  });
  router.post('/orgs/:org/workplaces', (req, res) => {
    res.status(201).json(sim.addWorkplace(org(req), body(z.record(z.string(), z.unknown()), req)));
  });

  router.get('/orgs/:org/rate-limit', (req, res) => {
    res.json(sim.rateLimit(org(req)));
  });
  router.put('/orgs/:org/rate-limit', (req, res) => {
    res.json(sim.setRateLimit(org(req), body(rateLimitBody, req)));
  });
  router.get('/orgs/:org/subscription', (req, res) => {
    res.json({ notification_service: sim.subscription(org(req)) ?? null });
  });
  router.put('/orgs/:org/subscription', (req, res) => {
    res.json({ notification_service: sim.subscribe(org(req), body(subscriptionBody, req)) });
  });
  router.delete('/orgs/:org/subscription', (req, res) => {
    sim.unsubscribe(org(req));
    res.status(204).end();
  });
}

/** Sales and what cashiers and couriers do with them. */
function saleRoutes(router: express.Router, sim: LifePosSimulator): void {
  router.get('/orgs/:org/sales', (req, res) => {
    res.json({ sales: sim.sales(org(req)) });
  });
  router.post('/orgs/:org/sales', (req, res) => {
    res.status(201).json(sim.seedSale(org(req), body(seedSaleBody, req)));
  });
  router.get('/orgs/:org/sales/:sale', (req, res) => {
    res.json(sim.sale(org(req), sale(req)));
  });
  router.post('/orgs/:org/sales/:sale/payments', (req, res) => {
    res.status(201).json(sim.takePayment(org(req), sale(req), body(paymentBody, req)));
  });
  router.post('/orgs/:org/sales/:sale/ship', (req, res) => {
    res.json(sim.ship(org(req), sale(req), body(partialBody, req)));
  });
  router.post('/orgs/:org/sales/:sale/return', (req, res) => {
    res.json(sim.returnGoods(org(req), sale(req), body(partialBody, req)));
  });
  router.post('/orgs/:org/sales/:sale/complete', (req, res) => {
    res.json(sim.complete(org(req), sale(req)));
  });
  router.post('/orgs/:org/sales/:sale/cancel', (req, res) => {
    res.json(sim.cancel(org(req), sale(req)));
  });
  router.post('/orgs/:org/sales/:sale/refunds', (req, res) => {
    res.status(201).json(sim.refund(org(req), sale(req), body(refundBody, req)));
  });
}

/** Token lifetime and expiry. */
function tokenRoutes(router: express.Router, sim: LifePosSimulator): void {
  router.get('/tokens', (_req, res) => {
    res.json({ ttlMs: sim.tokenTtl() });
  });
  router.put('/tokens', (req, res) => {
    sim.setTokenTtl(body(z.object({ ttlMs: z.number().int().min(0) }), req).ttlMs);
    res.json({ ttlMs: sim.tokenTtl() });
  });
  router.post('/tokens/expire', (req, res) => {
    const { phone } = body(z.object({ phone: z.string().optional() }).default({}), req);
    res.json({ expired: sim.expireTokens(phone) });
  });
}

/** Notification delivery settings, the deliveries made, and waiting until none is in flight. */
function notificationRoutes(router: express.Router, sim: LifePosSimulator): void {
  router.get('/notifications/settings', (_req, res) => {
    res.json(sim.notificationSettings());
  });
  router.put('/notifications/settings', (req, res) => {
    res.json(sim.configureNotifications(body(notificationSettingsBody, req)));
  });
  router.get('/notifications/deliveries', (req, res) => {
    const parsed = deliveryQuery.safeParse(req.query);
    if (!parsed.success) throw new ControlBodyError(parsed.error.issues);
    res.json({ deliveries: sim.deliveries(parsed.data) });
  });
  router.delete('/notifications/deliveries', (_req, res) => {
    sim.clearDeliveries();
    res.status(204).end();
  });
  /** Waits (at most `timeoutMs`, default 30 s) until every notification is delivered or given up. */
  router.post('/notifications/idle', async (req, res) => {
    const timeoutMs = Math.min(Number(req.query.timeoutMs ?? 30_000) || 30_000, 120_000);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const idle = await Promise.race([sim.notificationsIdle().then(() => true), timedOut]);
    clearTimeout(timer);
    if (idle) res.status(204).end();
    else res.status(504).json({ error: `notifications still in flight after ${timeoutMs} ms` });
  });
}

export function createControlRouter(sim: LifePosSimulator): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
  organizationRoutes(router, sim);
  saleRoutes(router, sim);
  tokenRoutes(router, sim);
  notificationRoutes(router, sim);

  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (error instanceof ControlBodyError) {
      res.status(400).json({ error: 'invalid control request', issues: error.issues });
      return;
    }
    if (error instanceof LifePosApiError) {
      res.status(error.status).json(error.body());
      return;
    }
    next(error);
  });
  return router;
}
