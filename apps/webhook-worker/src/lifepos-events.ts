import type { Database } from '@connector/db';
import { PermanentError } from '@connector/domain';
import { defineHandler, type JobHandler, type OrderLock } from '@connector/queue';
import type { TenantRuntime } from '@connector/tenant';
import { saleGuidOfNotification } from './notification.schema.js';
import { writeBackSale } from './sale-write-back.js';

export interface LifeposEventsDeps {
  db: Database;
  runtime: TenantRuntime;
  lock: OrderLock;
}

/**
 * `lifepos-events`: one stored notification (`notificationId`), or one sale the periodic check found
 * changed (`saleId`), written back into its RetailCRM order. The notification only names the sale; the
 * sale and its money documents are read again from LIFE POS. A notification is marked processed once its
 * write-back is done, so an unprocessed row means it never was.
 */
export function createLifeposEventsHandler({
  db,
  runtime,
  lock,
}: LifeposEventsDeps): JobHandler<'lifepos-events'> {
  return defineHandler('lifepos-events', async ({ data, logger, signal }) => {
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
    if (saleGuid === undefined)
      throw new Error('lifepos-events job without a sale (the catalog requires one)');

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
  });
}
