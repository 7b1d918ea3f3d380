import { randomFillSync } from 'node:crypto';
import type { Database, OrderEventEntry, TriggerReceipt } from '@connector/db';
import { RetryableError } from '@connector/domain';
import { HttpError, requestLogger } from '@connector/http';
import type { Logger } from '@connector/logger';
import { jobIdFor, type StreamedTrigger, type TriggerAppender } from '@connector/queue';
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';
import { type ConnectionCache, type TenantState, UnknownClientThrottledError } from './connection-cache.js';
import type { FloodGuard } from './flood-guard.js';
import { countTrigger, type TriggerOutcome } from './ingress-metrics.js';
import { createGroupCommit } from './timeline-writer.js';
import { describeIssues, parseTrigger, type Trigger, type TriggerStatus } from './trigger.schema.js';
import { triggerBody } from './trigger-body.js';

/** Where RetailCRM's trigger action posts (the LIFE POS integration guide); express matches it in any case. */
export const TRIGGER_PATH = '/retailCRM/update';

export type OrderQueue = 'order-export' | 'order-cancel' | 'order-refund';

export const QUEUE_BY_STATUS = {
  new: 'order-export',
  closed: 'order-cancel',
  refund: 'order-refund',
} as const satisfies Record<TriggerStatus, OrderQueue>;

/** The answer to an accepted trigger. */
export interface TriggerAccepted {
  accepted: true;
  /**
   * The trigger's own job id. The workers' forwarders add it to its queue within milliseconds, merged into
   * the order's unfinished job when there is one (the order's timeline says which).
   */
  jobId: string;
  /** `queue`: in Redis now (the trigger stream); `outbox`: in the database, moved to Redis when it is back. */
  queued: 'queue' | 'outbox';
}

/** Largest trigger body: RetailCRM answers are read by people in its trigger log; the limit keeps floods cheap. */
const BODY_LIMIT_BYTES = 16 * 1024;

export interface TriggerRouteDeps {
  db: Pick<Database, 'orderLinks' | 'orderEvents' | 'orderMarks' | 'outbox'>;
  /** Stores accepted triggers in the trigger stream, from which the workers forward them to their queues. */
  triggers: TriggerAppender;
  tenants: ConnectionCache;
  /** Per connection, far above any real bulk change: only a runaway loop reaches it (see flood-guard.ts). */
  flood: FloodGuard;
  /** Shown in the 429 answer. */
  floodPerSecond: number;
}

/** The trigger status, once the body was valid: the metrics label of a later rejection. */
const STATUS_LOCAL = 'triggerStatus';

function tooMany(res: Response, retryAfterMs: number, code: string, message: string): HttpError {
  res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return new HttpError(429, code, message);
}

function unavailable(res: Response, message: string, details?: Record<string, unknown>): HttpError {
  // RetailCRM does not retry a trigger, but a person reading its trigger log sees when to.
  res.setHeader('Retry-After', '5');
  return new HttpError(503, 'unavailable', message, details);
}

/** Whether the request carries a body at all (a body no parser took leaves `req.body` undefined). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function parseRequest(req: Request): Trigger {
  if (req.body === undefined && hasBody(req)) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `Unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}: send application/x-www-form-urlencoded (or application/json)`,
    );
  }
  const parsed = parseTrigger(req.body);
  if (!parsed.ok) {
    throw new HttpError(400, 'invalid_trigger', describeIssues(parsed.issues), { issues: parsed.issues });
  }
  return parsed.trigger;
}

function assertAccepting(trigger: Trigger, tenant: TenantState | null): asserts tenant is TenantState {
  if (!tenant) {
    throw new HttpError(
      404,
      'unknown_client',
      `Подключение с client_id ${trigger.clientId} не найдено: проверьте ID организации LIFE POS в настройках триггера RetailCRM`,
      { field: 'client_id' },
    );
  }
  if (tenant.status === 'draft') {
    throw new HttpError(
      409,
      'connection_not_ready',
      'Подключение ещё не настроено: заполните и сохраните форму настройки коннектора',
      { status: tenant.status },
    );
  }
  if (tenant.status === 'disabled') {
    throw new HttpError(
      409,
      'connection_disabled',
      `Подключение отключено: ${tenant.disabledReason ?? 'причина не указана'}`,
      { status: tenant.status, reason: tenant.disabledReason },
    );
  }
}

/** How long the refund check waits for the database before the trigger is accepted unchecked. */
const LINK_CHECK_WAIT_MS = 1_000;

/** `promise`, or a rejection once `ms` passed without its answer (a frozen database). */
async function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How long a received trigger's records (written after its 202) wait for others to share their statement:
 * at a steady rate most triggers would otherwise be written alone.
 */
const RECEIVED_LINGER_MS = 20;

/** How often lost trigger records are logged: during a database outage every trigger loses its records. */
const TIMELINE_LOSS_LOG_MS = 10_000;

/** Logs lost «trigger received» records once per `TIMELINE_LOSS_LOG_MS`, with how many were lost since. */
function timelineLossLog(): (logger: Logger, error: unknown) => void {
  let lost = 0;
  let loggedAt = Number.NEGATIVE_INFINITY;
  return (logger, error) => {
    lost += 1;
    if (Date.now() - loggedAt < TIMELINE_LOSS_LOG_MS) return;
    logger.warn('could not record received triggers (timeline and receipts)', { error, lost });
    loggedAt = Date.now();
    lost = 0;
  };
}

/** What the ingress writes of an accepted trigger after its answer: the timeline line and the receipt. */
interface ReceivedTrigger {
  entry: OrderEventEntry;
  receipt: TriggerReceipt;
}

/** One group-commit round of received triggers: the timeline entries and the receipts side by side. */
async function writeReceived(db: TriggerRouteDeps['db'], batch: readonly ReceivedTrigger[]): Promise<void> {
  await Promise.all([
    db.orderEvents.appendMany(batch.map(({ entry }) => entry)),
    db.orderMarks.triggersReceived(batch.map(({ receipt }) => receipt)),
  ]);
}

/**
 * The trigger's connection, or the 429/503 that says why it could not be looked up. A connection in the
 * cache is answered without a promise: nearly every trigger's.
 */
function lookUpTenant(
  res: Response,
  tenants: ConnectionCache,
  trigger: Trigger,
): TenantState | Promise<TenantState> {
  const cached = tenants.peek(trigger.clientId);
  if (cached === undefined) return lookUpTenantAsync(res, tenants, trigger);
  assertAccepting(trigger, cached);
  return cached;
}

async function lookUpTenantAsync(res: Response, tenants: ConnectionCache, trigger: Trigger) {
  let tenant: TenantState | null;
  try {
    tenant = await tenants.get(trigger.clientId);
  } catch (error) {
    // Not logged: a spray would flood the log too; the rejection metrics count these.
    if (error instanceof UnknownClientThrottledError) {
      throw tooMany(
        res,
        error.retryAfterMs,
        'too_many_unknown_clients',
        `Слишком много запросов с неизвестными client_id; client_id ${trigger.clientId} не проверен. Проверьте ID организации LIFE POS в настройках триггера RetailCRM`,
      );
    }
    requestLogger(res).error('connection lookup failed', { error });
    throw unavailable(res, 'Не удалось проверить подключение (база данных недоступна), повторите позже');
  }
  assertAccepting(trigger, tenant);
  return tenant;
}

function assertNoFlood(res: Response, deps: TriggerRouteDeps, connectionId: string): void {
  const decision = deps.flood.take(connectionId);
  if (!decision.allowed) {
    throw tooMany(
      res,
      decision.retryAfterMs,
      'too_many_triggers',
      `Слишком много запросов по подключению: больше ${deps.floodPerSecond} в секунду — похоже на зацикленный триггер RetailCRM. Проверьте условия триггера`,
    );
  }
}

/**
 * A refund of an order that has no sale in LIFE POS is refused (422) — recorded on its timeline and as a
 * received trigger, since it did arrive. When the database does not answer in time the trigger is accepted.
 */
async function assertRefundable(res: Response, db: TriggerRouteDeps['db'], receipt: TriggerReceipt) {
  const { connectionId, retailcrmOrderId: orderId } = receipt;
  const logger = requestLogger(res);
  let link: Awaited<ReturnType<typeof db.orderLinks.get>> | undefined;
  try {
    link = await withinMs(db.orderLinks.get(connectionId, orderId), LINK_CHECK_WAIT_MS);
  } catch (error) {
    // The check only spares a job that would find nothing: the refund worker reads the order's sales
    // in LIFE POS itself, so without the database the trigger is accepted and the job decides.
    logger.warn('order link lookup failed; refund accepted unchecked', { error, connectionId, orderId });
  }
  // A deleted sale ("erroneous cancel") took no payment either. The refund worker re-checks LIFE POS.
  if (link === undefined || (link?.lifeposSaleId && link.state !== 'deleted')) return;
  const message = `По заказу ${orderId} в LIFE POS не было продажи и платежа — возврат невозможен`;
  await Promise.all([
    db.orderEvents
      .append(connectionId, orderId, {
        type: 'trigger.rejected',
        message: `Триггер «refund» отклонён: ${message}`,
        data: { status: 'refund', reason: 'no_sale', linkState: link?.state ?? null },
      })
      .catch((error: unknown) => logger.warn('could not record the rejected trigger', { error })),
    db.orderMarks
      .triggersReceived([receipt])
      .catch((error: unknown) => logger.warn('could not record the rejected trigger as received', { error })),
  ]);
  throw new HttpError(422, 'refund_without_sale', message, { orderId });
}

/** Random bytes drawn a page at a time: one `randomFillSync` serves 512 triggers. */
const tokenPool = Buffer.alloc(4096);
let tokenAt = tokenPool.length;

/** 16 random hex digits: what tells a trigger's own job id from the other triggers of its order. */
function triggerToken(): string {
  if (tokenAt + 8 > tokenPool.length) {
    randomFillSync(tokenPool);
    tokenAt = 0;
  }
  const token = tokenPool.toString('hex', tokenAt, tokenAt + 8);
  tokenAt += 8;
  return token;
}

/**
 * Stores the trigger durably: in the trigger stream, or in the database outbox while Redis is down (503
 * when neither takes it). Returns the answer and the metrics outcome.
 */
async function storeTrigger(
  res: Response,
  deps: TriggerRouteDeps,
  tenant: TenantState,
  { orderId, status }: Trigger,
  receivedAt: Date,
): Promise<{ answer: TriggerAccepted; outcome: TriggerOutcome }> {
  const connectionId = tenant.id;
  const queue = QUEUE_BY_STATUS[status];
  // A job id of this trigger's own. Its forwarder's add tells from it whether a new job was made or the
  // trigger merged into the order's unfinished job (`dedupeId`, see packages/queue catalog.ts); a trigger
  // forwarded twice, or drained from the outbox after an add that did reach Redis, still makes one job.
  const jobId = jobIdFor(queue, connectionId, orderId, triggerToken());
  const streamed: StreamedTrigger = {
    queue,
    connectionId,
    orderId,
    status,
    jobId,
    receivedAt: receivedAt.getTime(),
  };
  // A shop's export backlog waits delayed in its own slots, not ahead of other shops' orders.
  if (queue === 'order-export') streamed.pace = tenant.exportPace;
  try {
    await deps.triggers.append(streamed);
    return { answer: { accepted: true, jobId, queued: 'queue' }, outcome: 'accepted' };
  } catch (error) {
    // The appender reports every Redis failure as retryable; anything else is a bug, not an outage.
    if (!(error instanceof RetryableError)) throw error;
    const logger = requestLogger(res);
    const data = { connectionId, orderId, source: 'outbox' } as const;
    try {
      await deps.db.outbox.add({ connectionId, queue, jobId, payload: data });
    } catch (outboxError) {
      logger.error('trigger could be stored neither in Redis nor in the outbox', {
        error: outboxError,
        redisError: error.message,
        connectionId,
        orderId,
        queue,
      });
      throw unavailable(res, 'Очередь и база данных недоступны: триггер не принят, повторите позже');
    }
    logger.warn('redis unavailable: trigger stored in the outbox', { connectionId, orderId, queue, jobId });
    return { answer: { accepted: true, jobId, queued: 'outbox' }, outcome: 'outbox' };
  }
}

/** The 202, written directly: express's `json` negotiates a charset and more for every answer. */
function sendAccepted(res: Response, answer: TriggerAccepted): void {
  const body = JSON.stringify(answer);
  res.statusCode = 202;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * The timeline entry of a trigger kept in the outbox (what operators read; decisions read the receipt).
 * A trigger stored in the stream is recorded by the worker that forwards it.
 */
function outboxEntry(receipt: TriggerReceipt, answer: TriggerAccepted): OrderEventEntry {
  const status = receipt.trigger;
  const queue = QUEUE_BY_STATUS[status];
  return {
    connectionId: receipt.connectionId,
    retailcrmOrderId: receipt.retailcrmOrderId,
    event: {
      type: 'trigger.received',
      message: `Триггер «${status}» принят; Redis недоступен — задача ${queue} сохранена в outbox`,
      data: { status, queue, jobId: answer.jobId, queued: answer.queued, deduplicated: false },
    },
  };
}

/**
 * `POST /retailCRM/update`: validate → resolve the tenant → store, answering 202 only once the trigger is
 * durably stored (in the trigger stream, or in the database outbox while Redis is down) and 4xx/503
 * otherwise, with nothing stored (docs/ARCHITECTURE.md, «Principles»). The 202 depends on nothing else:
 * while PostgreSQL is down a known connection is answered from the cache; the workers' forwarders move the
 * trigger into its queue and record it on the timeline and as received (`OrderMark`). The jobs re-read both
 * APIs, so the trigger is only a signal.
 */
function handleTrigger(deps: TriggerRouteDeps): RequestHandler {
  const received = createGroupCommit<ReceivedTrigger>((batch) => writeReceived(deps.db, batch), {
    lingerMs: RECEIVED_LINGER_MS,
  });
  const timelineLost = timelineLossLog();
  return async (req, res) => {
    const receivedAt = new Date();
    const trigger = parseRequest(req);
    res.locals[STATUS_LOCAL] = trigger.status;
    const found = lookUpTenant(res, deps.tenants, trigger);
    const tenant = found instanceof Promise ? await found : found;
    assertNoFlood(res, deps, tenant.id);
    const receipt: TriggerReceipt = {
      connectionId: tenant.id,
      retailcrmOrderId: trigger.orderId,
      trigger: trigger.status,
      receivedAt,
    };
    if (trigger.status === 'refund') await assertRefundable(res, deps.db, receipt);

    const { answer, outcome } = await storeTrigger(res, deps, tenant, trigger, receivedAt);
    countTrigger(trigger.status, outcome);
    sendAccepted(res, answer);
    if (answer.queued === 'queue') return;
    // After the answer, best-effort: the entry is stored, and nothing acknowledged depends on this line.
    // While PostgreSQL is down both are lost: the job's own timeline entries follow once it runs, and its
    // start records the receipt (packages/tenant order-job.ts).
    received
      .append({ entry: outboxEntry(receipt, answer), receipt })
      .catch((error: unknown) => timelineLost(requestLogger(res), error));
  };
}

/** Counts every rejected trigger (also body-parser ones: 413, malformed JSON), then lets the app answer. */
function countRejections(): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
    const code = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : 500;
    const triggerStatus = res.locals[STATUS_LOCAL];
    countTrigger(typeof triggerStatus === 'string' ? triggerStatus : 'invalid', `rejected_${code}`);
    next(error);
  };
}

/** The trigger route: its handlers and the handler that counts its rejections. */
export interface TriggerRoute {
  handlers: RequestHandler[];
  errorHandlers: ErrorRequestHandler[];
}

export function triggerRoute(deps: TriggerRouteDeps): TriggerRoute {
  return {
    handlers: [triggerBody(BODY_LIMIT_BYTES), handleTrigger(deps)],
    errorHandlers: [countRejections()],
  };
}

/**
 * The trigger route as the app's fast route (`POST /retailCRM/update` in any letter case, answered before
 * express's router: packages/http fast-routes.ts) and, for the spellings it does not take (a trailing
 * slash) and the other methods (405), as express routes before the shared body parsers.
 */
export function triggerRoutes(deps: TriggerRouteDeps) {
  const route = triggerRoute(deps);
  return {
    fastRoutes: [{ method: 'POST', path: TRIGGER_PATH, ...route }] as const,
    hotRoutes: (app: Express) => {
      app.post(TRIGGER_PATH, ...route.handlers);
      app.all(TRIGGER_PATH, (_req, res) => {
        res.setHeader('Allow', 'POST');
        throw new HttpError(405, 'method_not_allowed', `Only POST is accepted on ${TRIGGER_PATH}`);
      });
      app.use(TRIGGER_PATH, ...route.errorHandlers);
    },
  };
}
