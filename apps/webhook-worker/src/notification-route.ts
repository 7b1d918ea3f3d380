import type { ConnectionSummary, Database, Prisma } from '@connector/db';
import { RetryableError } from '@connector/domain';
import { HttpError, requestLogger } from '@connector/http';
import { jobIdFor, type Producer } from '@connector/queue';
import { NOTIFICATION_ROUTE } from '@connector/tenant';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Response } from 'express';
import { isSaleNotificationType, parseNotificationEnvelope } from './notification.schema.js';
import { countNotification, type NotificationOutcome } from './webhook-metrics.js';

/** A sale with its positions is a few kilobytes; the limit keeps floods of junk cheap. */
export const NOTIFICATION_BODY_LIMIT = '256kb';

/** Tokens are 32 random bytes in base64url (43 characters); anything unlike one is not looked up. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,128}$/;

/** The receiver's answer to a notification it took. */
export interface NotificationAnswer {
  /** `queued`: stored and the write-back job enqueued; `recorded`: stored only; `ignored`: connection not active. */
  status: 'queued' | 'recorded' | 'ignored';
  notificationId?: string;
}

export interface NotificationRouteDeps {
  db: Pick<Database, 'connections' | 'notifications'>;
  /** A fail-fast producer (`createProducerRedis`): an outage must become a quick 503, not a hung request. */
  producer: Producer;
}

/** The type of a valid body, for the metrics label of a later rejection. */
const TYPE_LOCAL = 'notificationType';

/** One answer for an unknown, malformed or stale token: nothing tells a prober which of them it was. */
function notFound(): HttpError {
  return new HttpError(404, 'not_found', 'Not found');
}

function unavailable(res: Response, message: string): HttpError {
  // LIFE POS retries a notification that was not answered 2xx; this is the moment to make it.
  res.setHeader('Retry-After', '5');
  return new HttpError(503, 'unavailable', message);
}

/**
 * `POST /lifepos/notifications/:token` (docs/LIFEPOS-API.md, «Notification delivery»): the token names the
 * connection; the raw notification is stored and its `lifepos-events` job enqueued before the 200, and a 503
 * tells LIFE POS to send it again when either cannot be done. The job re-reads the sale, so the notification
 * is only a signal.
 */
function handleNotification({ db, producer }: NotificationRouteDeps): RequestHandler {
  return async (req, res) => {
    const logger = requestLogger(res);
    // The app-wide form parser would make an object of a form body: notifications are JSON only.
    if (req.is(['application/x-www-form-urlencoded', 'multipart/*'])) {
      throw new HttpError(
        415,
        'unsupported_media_type',
        'Notifications are JSON: send the object as a JSON body',
      );
    }
    const envelope = parseNotificationEnvelope(req.body);
    if (!envelope.ok) throw new HttpError(400, 'invalid_notification', envelope.message);
    const { typeOf } = envelope;
    res.locals[TYPE_LOCAL] = typeOf;

    const token = String(req.params.token ?? '');
    if (!TOKEN_SHAPE.test(token)) throw notFound();
    let connection: ConnectionSummary | null;
    try {
      connection = await db.connections.findByNotificationToken(token);
    } catch (error) {
      logger.error('connection lookup failed', { error });
      throw unavailable(
        res,
        'The connector cannot look up the connection now; send the notification again later',
      );
    }
    // Only the token's SHA-256 is stored; the repository looks it up by it and compares in constant time.
    if (!connection) throw notFound();

    const answer = (
      outcome: NotificationOutcome & NotificationAnswer['status'],
      body: NotificationAnswer,
    ) => {
      countNotification(typeOf, outcome);
      res.status(200).json(body);
    };
    if (connection.status !== 'active') {
      // Subscriptions are removed when a connection is disabled; until LIFE POS stops sending, there is
      // nothing to do with what it sends (the periodic sales check catches up after re-activation).
      logger.info('notification for an inactive connection ignored', {
        connectionId: connection.id,
        status: connection.status,
        typeOf,
      });
      answer('ignored', { status: 'ignored' });
      return;
    }

    let notificationId: string;
    try {
      const stored = await db.notifications.record(connection.id, {
        typeOf,
        body: req.body as Prisma.InputJsonValue,
      });
      notificationId = stored.id;
    } catch (error) {
      logger.error('notification could not be stored', { error, connectionId: connection.id, typeOf });
      throw unavailable(res, 'The connector cannot store the notification now; send it again later');
    }

    if (!isSaleNotificationType(typeOf)) {
      // Kept for operators (and future use); acknowledged so that LIFE POS does not retry it.
      logger.info('notification of a type the connector does not act on recorded', {
        connectionId: connection.id,
        notificationId,
        typeOf,
      });
      await db.notifications
        .markProcessed(notificationId)
        .catch((error: unknown) => logger.warn('could not mark the notification processed', { error }));
      answer('recorded', { status: 'recorded', notificationId });
      return;
    }

    try {
      await producer.add(
        'lifepos-events',
        { connectionId: connection.id, notificationId },
        { jobId: jobIdFor('lifepos-events', notificationId) },
      );
    } catch (error) {
      // The producer reports every Redis failure as retryable; anything else is a bug, not an outage.
      if (!(error instanceof RetryableError)) throw error;
      // The stored row stays unprocessed: LIFE POS sends the notification again, which makes a new one.
      logger.warn('redis unavailable: notification not queued, LIFE POS is asked to retry', {
        connectionId: connection.id,
        notificationId,
        typeOf,
        error: error.message,
      });
      throw unavailable(res, 'The connector cannot queue the notification now; send it again later');
    }
    answer('queued', { status: 'queued', notificationId });
  };
}

/** Counts every rejected notification (body-parser ones too: 413, malformed JSON), then lets the app answer. */
function countRejections(): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
    const code = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : 500;
    const typeOf = res.locals[TYPE_LOCAL];
    countNotification(typeof typeOf === 'string' ? typeOf : undefined, `rejected_${code}`);
    next(error);
  };
}

export function registerNotificationRoute(app: Express, deps: NotificationRouteDeps): void {
  // JSON whatever the Content-Type says (LIFE POS does not document it); a body the app-wide parsers
  // took already (application/json, a form) is not parsed again.
  const json = express.json({ type: () => true, limit: NOTIFICATION_BODY_LIMIT });
  app.post(NOTIFICATION_ROUTE, json, handleNotification(deps));
  app.all(NOTIFICATION_ROUTE, (_req, res) => {
    res.setHeader('Allow', 'POST');
    throw new HttpError(405, 'method_not_allowed', 'Only POST is accepted here');
  });
  app.use(NOTIFICATION_ROUTE, countRejections());
}
