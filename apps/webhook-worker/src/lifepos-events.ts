import type { Database } from '@connector/db';
import { PermanentError } from '@connector/domain';
import type { Logger } from '@connector/logger';
import {
  defineHandler,
  type JobData,
  type JobHandler,
  type OrderLock,
  type Producer,
} from '@connector/queue';
import type { TenantRuntime } from '@connector/tenant';
import { checkLifeposSales } from './lifepos-sales-check.js';
import { saleGuidOfNotification } from './notification.schema.js';
import { writeBackSale } from './sale-write-back.js';
import { checkSubscription } from './subscription-check.js';

export interface LifeposEventsDeps {
  db: Database;
  runtime: TenantRuntime;
  /** The order lock, held by the write-back only: a check is about a connection, not an order. */
  lock: OrderLock;
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
    switch (data.check) {
      case 'sales':
        return checkLifeposSales({ ...deps, logger }, connectionId);
      case 'subscription':
        return checkSubscription({ ...deps, logger }, connectionId);
      case undefined:
        return writeBack(deps, logger, signal, data);
    }
  });
}

/**
 * The notification only names the sale; the sale and its money documents are read again from LIFE POS.
 * A notification is marked processed once its write-back is done, so an unprocessed row means it never was.
 */
async function writeBack(
  { db, runtime, lock }: LifeposEventsDeps,
  logger: Logger,
  signal: AbortSignal,
  data: JobData<'lifepos-events'>,
) {
  const { connectionId } = data;
  let saleGuid = data.saleId;
  let notificationId: string | undefined;

  if (data.notificationId !== undefined) {
    const notification = await db.notifications.get(data.notificationId);
    if (!notification) {
      // Deleted with its connection (cascade): nothing left to act for.
      logger.warn('notification not found', { notificationId: data.notificationId });
      return { outcome: 'notification-gone' };
    }
    if (notification.connectionId !== connectionId) {
      throw new PermanentError(`notification ${notification.id} belongs to another connection`, {
        code: 'lifepos_events.connection_mismatch',
        userMessage:
          'Задание обработки уведомления LIFE POS не соответствует подключению. Сообщите разработчикам коннектора.',
      });
    }
    if (notification.processedAt) return { outcome: 'already-processed' };
    notificationId = notification.id;
    saleGuid = saleGuidOfNotification(notification.typeOf, notification.body);
    if (saleGuid === undefined) {
      logger.warn('notification names no sale: recorded only', {
        notificationId,
        typeOf: notification.typeOf,
      });
      await db.notifications.markProcessed(notification.id);
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
  const tenant = await runtime.open(connectionId);
  const result = await writeBackSale({ db, lock, logger }, tenant, saleGuid, signal);
  if (notificationId !== undefined) await db.notifications.markProcessed(notificationId);
  return result;
}
