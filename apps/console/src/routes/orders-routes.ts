import type { Database, OrderLink, OrderLinkState, OrderListFilter, OrderRef } from '@connector/db';
import { ConnectorError, orderStatusRole, paymentsToRefund } from '@connector/domain';
import { orderExportPace, orderJobId } from '@connector/queue';
import type { Tenant } from '@connector/tenant';
import { type Request, type RequestHandler, Router } from 'express';
import { DEFAULT_TIME_ZONE, dayIn, t } from '../i18n.js';
import { isOrderState, linkStatesOf, orderState, STATE_FACT_TYPES } from '../order-state.js';
import { type OrderFilterValues, type OrderRow, ordersListPage } from '../pages/orders-list-page.js';
import type { ConsoleQueues } from '../queues.js';
import {
  backTo,
  connectionNames,
  cursorOf,
  cursorText,
  type OperationsDeps,
  setNotice,
  takeNotice,
  UUID,
} from './operations-support.js';
import { pageContext, sendPage } from './page-support.js';

const PAGE_SIZE = 50;
/** Link pages read at most per request when a state filter leaves few rows of each. */
const MAX_BATCHES = 5;
const ATTENTION_LIMIT = 100;
const ORDER_QUEUES = ['order-export', 'order-cancel', 'order-refund'] as const;
type OrderQueue = (typeof ORDER_QUEUES)[number];
const PENDING = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;
/** Pending jobs looked at per order queue. */
const QUEUED_SAMPLE = 500;
const ORDER_ID_MAX = 2_147_483_647;

const keyOf = (connectionId: string, orderId: number) => `${connectionId}:${orderId}`;

function filterOf(query: Request['query']): OrderFilterValues {
  const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
  const date = text(query.date);
  return {
    state: isOrderState(query.state) ? query.state : '',
    connection: UUID.test(text(query.connection)) ? text(query.connection) : '',
    date: /^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(Date.parse(date)) ? date : '',
    q: text(query.q).slice(0, 64),
  };
}

/** The number typed, without a leading `№` or `#`. */
const numberOf = (q: string) => q.replace(/^[#№]\s*/, '');

function listFilter(values: OrderFilterValues, timeZone: string): OrderListFilter {
  // A day in the zone the rows are shown in: the chosen connection's, else the default one.
  const day = values.date ? dayIn(values.date, timeZone) : undefined;
  const states = values.state ? linkStatesOf(values.state) : undefined;
  return {
    ...(values.connection && { connectionId: values.connection }),
    ...(states && { states: states as OrderLinkState[] }),
    ...(values.q && { number: numberOf(values.q) }),
    ...(day && { updatedFrom: day.from, updatedBefore: day.before }),
  };
}

/** Order jobs still in a queue: order → when enqueued (the oldest). */
async function queuedOrders(queues: ConsoleQueues): Promise<Map<string, Date>> {
  const queued = new Map<string, Date>();
  for (const name of ORDER_QUEUES) {
    const jobs = (await queues.byName.get(name)?.getJobs([...PENDING], 0, QUEUED_SAMPLE - 1)) ?? [];
    for (const job of jobs) {
      const data = job?.data as { connectionId?: unknown; orderId?: unknown } | undefined;
      if (typeof data?.connectionId !== 'string' || typeof data.orderId !== 'number') continue;
      const key = keyOf(data.connectionId, data.orderId);
      const at = new Date(job.timestamp);
      const known = queued.get(key);
      if (!known || at < known) queued.set(key, at);
    }
  }
  return queued;
}

interface Context {
  db: Database;
  names: Map<string, string>;
  /** Connection id → the zone its times are shown in. */
  zones: Map<string, string>;
  held: Map<string, Date>;
  queued: Map<string, Date>;
  now: Date;
}

/** The rows of these orders, with their state derived from their link, timeline, incidents and queues. */
async function rowsOf(
  c: Context,
  orders: readonly OrderRef[],
  links: readonly OrderLink[],
): Promise<OrderRow[]> {
  const facts = await c.db.orderList.latestFacts(orders, STATE_FACT_TYPES);
  const linkOf = new Map(links.map((link) => [keyOf(link.connectionId, link.retailcrmOrderId), link]));
  return orders.map((order) => {
    const key = keyOf(order.connectionId, order.retailcrmOrderId);
    const link = linkOf.get(key) ?? null;
    const view = orderState({
      link,
      facts: facts.filter(
        (fact) =>
          fact.connectionId === order.connectionId && fact.retailcrmOrderId === order.retailcrmOrderId,
      ),
      openIncidents: c.held.has(key) ? 1 : 0,
      queuedSince: c.queued.get(key),
      now: c.now,
    });
    return {
      connectionId: order.connectionId,
      connectionName: c.names.get(order.connectionId) ?? order.connectionId,
      timeZone: c.zones.get(order.connectionId) ?? DEFAULT_TIME_ZONE,
      orderId: order.retailcrmOrderId,
      orderNumber: link?.retailcrmOrderNumber ?? null,
      state: view.state,
      stuck: view.stuck,
      at:
        view.state === 'failed'
          ? (c.held.get(key) ?? link?.updatedAt ?? null)
          : (c.queued.get(key) ?? link?.updatedAt ?? null),
    };
  });
}

function matchesNumber(row: OrderRow, q: string): boolean {
  const number = numberOf(q);
  return !number || row.orderNumber === number || String(row.orderId) === number;
}

/** Failed orders, then stuck ones, then those still waiting; the longest first. */
const RANK = (row: OrderRow) => (row.state === 'failed' ? 0 : row.stuck ? 1 : 2);

/** The orders held up by incidents, failed, or waiting in a queue (first page only). */
async function attentionRows(c: Context, values: OrderFilterValues): Promise<OrderRow[]> {
  const failed = await c.db.orderList.page(
    { ...(values.connection && { connectionId: values.connection }), states: ['failed'] },
    { limit: ATTENTION_LIMIT },
  );
  const refs = new Map<string, OrderRef>();
  const add = (key: string) => {
    const [connectionId = '', id = ''] = key.split(':');
    if (!values.connection || values.connection === connectionId) {
      refs.set(key, { connectionId, retailcrmOrderId: Number(id) });
    }
  };
  for (const key of [...c.held.keys(), ...c.queued.keys()]) add(key);
  for (const link of failed.links) add(keyOf(link.connectionId, link.retailcrmOrderId));
  const orders = [...refs.values()].slice(0, 3 * ATTENTION_LIMIT);
  const rows = await rowsOf(c, orders, await c.db.orderList.linksOf(orders));
  return rows
    .filter((row) => row.state === 'failed' || row.state === 'waiting')
    .filter((row) => (!values.state || row.state === values.state) && matchesNumber(row, values.q))
    .sort((a, b) => RANK(a) - RANK(b) || (a.at?.getTime() ?? 0) - (b.at?.getTime() ?? 0))
    .slice(0, ATTENTION_LIMIT);
}

/** A page of the recent orders (by link), filtered by their derived state; the cursor of the next page. */
async function recentRows(
  c: Context,
  values: OrderFilterValues,
  after: { at: Date; id: string } | undefined,
) {
  const rows: OrderRow[] = [];
  let cursor = after && { updatedAt: after.at, id: after.id };
  for (let batch = 0; batch < MAX_BATCHES && rows.length < PAGE_SIZE; batch += 1) {
    // Never more than the page still needs: the cursor then stands right after the last row shown.
    const zone = c.zones.get(values.connection) ?? DEFAULT_TIME_ZONE;
    const page = await c.db.orderList.page(listFilter(values, zone), {
      limit: PAGE_SIZE - rows.length,
      ...(cursor && { after: cursor }),
    });
    const orders = page.links.map((link) => ({
      connectionId: link.connectionId,
      retailcrmOrderId: link.retailcrmOrderId,
    }));
    const derived = await rowsOf(c, orders, page.links);
    rows.push(...derived.filter((row) => !values.state || row.state === values.state));
    cursor = page.next;
    if (!cursor) break;
  }
  return { rows, next: cursor };
}

/** The jobs the order's current RetailCRM state asks for (each job re-reads both APIs and decides again). */
function jobsFor(
  order: { status: string; payments?: unknown },
  link: OrderLink | null,
  settings: { cancelStatuses: string[]; deleteStatuses: string[]; refundPaymentStatuses: string[] },
): OrderQueue[] {
  const role = orderStatusRole(order.status, settings);
  const jobs: OrderQueue[] = [role === 'other' ? 'order-export' : 'order-cancel'];
  const payments = Object.values((order.payments ?? {}) as Record<string, { status?: string | null }>);
  if (link?.state === 'exported' && paymentsToRefund(payments, settings.refundPaymentStatuses).length > 0) {
    jobs.push('order-refund');
  }
  return jobs;
}

/** Orders held up by open incidents: order → since when. */
async function heldOrders(db: Database): Promise<Map<string, Date>> {
  return new Map(
    (await db.incidents.ordersHeldUp({ limit: 1000 })).map((entry) => [
      keyOf(entry.connectionId, entry.retailcrmOrderId),
      entry.since,
    ]),
  );
}

function listOrders({ db, queues, logger }: OperationsDeps): RequestHandler {
  return async (req, res) => {
    const ctx = pageContext(req);
    const values = filterOf(req.query);
    const after = cursorOf(req.query.after);
    const connections = await connectionNames(db);
    let queued = new Map<string, Date>();
    try {
      queued = await queuedOrders(queues);
    } catch (error) {
      logger.warn('queue state unavailable', { error: (error as Error).message });
    }
    const c: Context = {
      db,
      names: new Map(connections.map((x) => [x.id, x.name])),
      zones: new Map(connections.map((x) => [x.id, x.timeZone])),
      held: await heldOrders(db),
      queued,
      now: new Date(),
    };
    const attention = after ? undefined : await attentionRows(c, values);
    const recent = await recentRows(c, values, after);
    const nextQuery = recent.next
      ? new URLSearchParams({
          ...values,
          after: cursorText(recent.next.updatedAt, recent.next.id),
        }).toString()
      : undefined;
    sendPage(
      res,
      ordersListPage(ctx, {
        filter: values,
        connections,
        attention,
        rows: recent.rows,
        nextQuery,
        notice: takeNotice(req, ctx),
      }),
    );
  };
}

/** Enqueues the jobs the order's RetailCRM state asks for and notes it on its timeline: the queues used. */
async function enqueueOrderJobs(
  { db, producer }: OperationsDeps,
  tenant: Tenant,
  connectionId: string,
  orderId: number,
): Promise<OrderQueue[]> {
  const [order, link] = await Promise.all([
    tenant.retailcrm.getOrder(orderId),
    db.orderLinks.get(connectionId, orderId),
  ]);
  const jobs = jobsFor(order, link, tenant.settings);
  for (const queue of jobs) {
    await producer.add(
      queue,
      { connectionId, orderId, source: 'manual' },
      {
        dedupeId: orderJobId(queue, connectionId, orderId),
        ...(queue === 'order-export' && {
          pace: orderExportPace(connectionId, tenant.settings.rateLimits),
        }),
      },
    );
  }
  await tenant.timeline.append(orderId, {
    type: 'job.requested',
    message: `Запущено вручную из консоли (статус в RetailCRM «${order.status}»): ${jobs.join(', ')}`,
    data: { queues: jobs, status: order.status },
  });
  return jobs;
}

/** «Выгрузить заново»: the order's jobs again, whatever its link says. */
function reexportOrder(deps: OperationsDeps): RequestHandler {
  const { runtime, logger } = deps;
  return async (req, res) => {
    const connectionId = String(req.params.connectionId);
    const orderId = /^\d{1,10}$/.test(String(req.params.orderId)) ? Number(req.params.orderId) : 0;
    const back = backTo(req.body?.back, '/orders');
    if (!UUID.test(connectionId) || orderId < 1 || orderId > ORDER_ID_MAX) {
      res.status(404).type('text').send('Not found');
      return;
    }
    try {
      const tenant = await runtime.open(connectionId);
      const jobs = await enqueueOrderJobs(deps, tenant, connectionId, orderId);
      logger.info('order jobs enqueued from the console', { connectionId, orderId, jobs });
      setNotice(req, {
        kind: 'ok',
        text: t(
          `Заказ ${orderId}: задание поставлено в очередь (${jobs.join(', ')}). Ход выполнения — в истории заказа.`,
          `Order ${orderId}: job enqueued (${jobs.join(', ')}). Follow it on the order’s timeline.`,
        ),
      });
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      setNotice(req, {
        kind: 'error',
        text: t(
          `Заказ ${orderId} не поставлен в очередь: ${error.userMessage}`,
          `Order ${orderId} not enqueued: ${error.message}`,
        ),
      });
    }
    res.redirect(303, back);
  };
}

/** «Заказы»: recent orders with their state, failed and stuck on top; «Выгрузить заново». */
export function ordersRouter(deps: OperationsDeps): Router {
  const router = Router();
  router.get('/orders', listOrders(deps));
  router.post('/orders/:connectionId/:orderId/reexport', reexportOrder(deps));
  return router;
}
