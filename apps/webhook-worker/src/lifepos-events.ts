import type { ConnectionRecord, Database } from '@connector/db';
import { orderIdOfSaleMeta, PermanentError } from '@connector/domain';
import type { Logger } from '@connector/logger';
import {
  defineHandler,
  type EntityLock,
  type JobData,
  type JobHandler,
  type Producer,
} from '@connector/queue';
import type { TenantRuntime } from '@connector/tenant';
import { alreadyWrittenBack, checkLifeposSales } from './lifepos-sales-check.js';
import { saleFactsOfNotification, saleGuidOfNotification } from './notification.schema.js';
import { writeBackSale } from './sale-write-back.js';
import { checkSubscription } from './subscription-check.js';

export interface LifeposEventsDeps {
  db: Database;
  runtime: TenantRuntime;
  /** The order lock, held by the write-back only: a check is about a connection, not an order. */
  lock: EntityLock;
  /** Queues the write-backs the sales check finds. */
  producer: Producer;
  /** This deployment's public base: the notification URL the subscription check keeps LIFE POS on. */
  publicUrl: string;
}

/**
 * `lifepos-events`, everything of LIFE POS for one connection:
 * - `notificationId`: one stored notification, written back into its RetailCRM order;
 * - `saleId`: one sale the sales check found changed, written back the same way;
 * - `check: 'sales'`: the periodic sales check that repairs lost notifications;
 * - `check: 'subscription'`: the periodic check that the notification subscription is on, with our URL.
 */
export function createLifeposEventsHandler(deps: LifeposEventsDeps): JobHandler<'lifepos-events'> {
  return defineHandler('lifepos-events', async ({ data, logger, signal }) => {
    const { connectionId } = data;
    if (!('check' in data)) return writeBack(deps, logger, signal, data);
    return data.check === 'sales'
      ? checkLifeposSales({ ...deps, logger }, connectionId)
      : checkSubscription({ ...deps, logger }, connectionId);
  });
}

/**
 * A `Sale` notification whose sale, as the notification carries it, has nothing left to write back: the
 * export's own creation of it (`New`, not paid), or the sale update that follows a payment already booked
 * from the payment's own notification. Payment and refund notifications are always written back (their
 * body is one money document, not the sale's). A stale body (notifications come out of order) skips only
 * itself; the change it missed has a notification of its own, and the sales check repairs a lost one.
 */
async function notificationWrittenBack(
  db: Database,
  connection: ConnectionRecord,
  notification: { typeOf: string; body: unknown },
): Promise<boolean> {
  const facts = saleFactsOfNotification(notification.typeOf, notification.body);
  if (facts === undefined) return false;
  // Not linked yet: the notification of a sale's creation can overtake the export's link; the sale's meta
  // names its order, and the sale is taken for the order's own (the stricter reading).
  const link =
    (await db.orderLinks.findBySaleId(connection.id, facts.guid)) ??
    (orderIdOfSaleMeta(facts.meta) === undefined
      ? null
      : { retailcrmOrderId: orderIdOfSaleMeta(facts.meta)!, lifeposSaleId: facts.guid });
  if (link === null) return false;
  return alreadyWrittenBack(db, connection.id, connection.settings, link, facts);
}

/** The write-back kinds of `lifepos-events`: one stored notification, or one sale. */
type WriteBackJob = Exclude<JobData<'lifepos-events'>, { check: unknown }>;

/**
 * The notification only names the sale; the sale and its money documents are read again from LIFE POS.
 * A notification is marked processed once its write-back is done, so an unprocessed row means it never was.
 */
async function writeBack(
  { db, runtime, lock }: LifeposEventsDeps,
  logger: Logger,
  signal: AbortSignal,
  data: WriteBackJob,
) {
  const { connectionId } = data;
  let saleGuid = 'saleId' in data ? data.saleId : undefined;
  let notificationId: string | undefined;
  let notification: { id: string; typeOf: string; body: unknown } | undefined;

  if ('notificationId' in data) {
    const stored = await db.notifications.get(data.notificationId);
    if (!stored) {
      // Deleted with its connection (cascade): nothing left to act for.
      logger.warn('notification not found', { notificationId: data.notificationId });
      return { outcome: 'notification-gone' };
    }
    if (stored.connectionId !== connectionId) {
      throw new PermanentError(`notification ${stored.id} belongs to another connection`, {
        code: 'lifepos_events.connection_mismatch',
        userMessage:
          'Задание обработки уведомления LIFE POS не соответствует подключению. Сообщите разработчикам коннектора.',
      });
    }
    if (stored.processedAt) return { outcome: 'already-processed' };
    notification = stored;
    notificationId = stored.id;
    saleGuid = saleGuidOfNotification(stored.typeOf, stored.body);
    if (saleGuid === undefined) {
      logger.warn('notification names no sale: recorded only', {
        notificationId,
        typeOf: stored.typeOf,
      });
      await db.notifications.markProcessed(stored.id);
      return { outcome: 'no-sale' };
    }
  }
  if (saleGuid === undefined) throw new Error('lifepos-events job without a sale (the catalog requires one)');

  const connection = await db.connections.get(connectionId);
  if (connection?.status !== 'active') {
    // Disabled (or deleted) after the notification came: the connector no longer acts for it.
    logger.info('write-back skipped: the connection is not active', {
      status: connection?.status ?? 'deleted',
    });
    if (notificationId !== undefined && connection) await db.notifications.markProcessed(notificationId);
    return { outcome: 'connection-inactive' };
  }
  if (notification !== undefined && (await notificationWrittenBack(db, connection, notification))) {
    // The sale's creation by the export (or a change already written back): nothing to read or write.
    await db.notifications.markProcessed(notification.id);
    return { outcome: 'already-written-back', saleId: saleGuid };
  }
  const tenant = await runtime.open(connectionId);
  const result = await writeBackSale({ db, lock, logger }, tenant, saleGuid, signal);
  if (notificationId !== undefined) await db.notifications.markProcessed(notificationId);
  return result;
}
