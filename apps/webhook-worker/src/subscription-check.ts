import type { Database } from '@connector/db';
import type { Logger } from '@connector/logger';
import { subscribeConnection, type TenantRuntime, unsubscribeConnection } from '@connector/tenant';

export interface SubscriptionCheckDeps {
  db: Database;
  runtime: TenantRuntime;
  logger: Logger;
  publicUrl: string;
}

export type SubscriptionCheckOutcome =
  | 'subscribed'
  | 'repaired'
  | 'unsubscribed'
  | 'not-subscribed'
  | 'unsubscribe-failed'
  | 'connection-deleted';

/**
 * `lifepos-events` check `subscription`: an active connection's organization sends its notifications to our URL
 * (repaired when somebody turned the extension off or pointed it elsewhere); a connection that is no
 * longer active stops receiving them.
 */
export async function checkSubscription(
  { db, runtime, logger, publicUrl }: SubscriptionCheckDeps,
  connectionId: string,
): Promise<{ outcome: SubscriptionCheckOutcome }> {
  const connection = await db.connections.get(connectionId);
  if (!connection) return { outcome: 'connection-deleted' };
  const tenant = await runtime.open(connectionId, { requireActive: false });

  if (connection.status === 'active') {
    const change = await subscribeConnection(tenant, publicUrl);
    // A connection from before tokens were derived moves to its derived token now that LIFE POS has its URL.
    if (await db.connections.adoptNotificationToken(connectionId)) {
      logger.info('notification token of the connection replaced by its derived one', { connectionId });
    }
    if (!change.changed) return { outcome: 'subscribed' };
    // The previous URL is not logged: it may be another installation's secret.
    logger.warn('LIFE POS notifications were not going to the connector: subscription repaired', {
      previouslyOn: change.previous?.turnedOn ?? false,
      previouslyElsewhere: change.previous?.url !== null && change.previous?.url !== undefined,
    });
    return { outcome: 'repaired' };
  }

  try {
    const change = await unsubscribeConnection(tenant, publicUrl);
    if (change.changed) logger.info('LIFE POS notifications turned off for an inactive connection');
    return { outcome: change.changed ? 'unsubscribed' : 'not-subscribed' };
  } catch (error) {
    // Best effort: a disabled connection's credentials may be what is wrong with it, and it must not
    // open incidents. Its notifications are ignored by the receiver anyway.
    logger.warn('could not turn LIFE POS notifications off for an inactive connection', { error });
    return { outcome: 'unsubscribe-failed' };
  }
}
