import type { NotificationSubscription } from '@connector/lifepos';
import type { Tenant } from './tenant-runtime.js';

/**
 * The LIFE POS `notification_service` subscription of a connection (docs/LIFEPOS-API.md, «Subscribing»): one
 * primary URL per organization, `PUBLIC_URL/lifepos/notifications/<token>`, where the token (random, per
 * connection) is what the webhook-worker identifies the connection by. The console subscribes on activation
 * and unsubscribes on disable; the webhook-worker checks every few minutes that it is still on (and repairs
 * it).
 */

/** Where the webhook-worker receives notifications; `:token` is the connection's notification token. */
export const NOTIFICATION_ROUTE = '/lifepos/notifications/:token';

type SubscriptionTenant = Pick<Tenant, 'connection' | 'lifepos'>;

/** The connection's notification URL under `publicUrl` (which may carry a path of its own). */
export function notificationUrl(publicUrl: string, token: string): string {
  const base = new URL(publicUrl);
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  return new URL(`lifepos/notifications/${encodeURIComponent(token)}`, base).toString();
}

/** Whether the subscription LIFE POS reports delivers to `url`. */
export function isSubscribedTo(current: NotificationSubscription | null, url: string): boolean {
  return current?.turnedOn === true && current.url === url;
}

export interface SubscriptionChange {
  /** True when the extension had to be written (first subscription, or a repair). */
  changed: boolean;
  /** What LIFE POS reported before (null: the extension was never set). */
  previous: NotificationSubscription | null;
  url: string;
}

/**
 * Points the organization's notifications at this connection's URL, unless they already are (so the
 * periodic check writes nothing while all is well). Idempotent: the `add` replaces the whole extension.
 */
export async function subscribeConnection(
  tenant: SubscriptionTenant,
  publicUrl: string,
): Promise<SubscriptionChange> {
  const url = notificationUrl(publicUrl, tenant.connection.notificationToken);
  const previous = await tenant.lifepos.notifications.get();
  if (isSubscribedTo(previous, url)) return { changed: false, previous, url };
  await tenant.lifepos.notifications.subscribe({ url });
  return { changed: true, previous, url };
}

/**
 * Turns the organization's notifications off when they go to this connection's URL. A subscription that
 * points elsewhere belongs to somebody else (another installation, another integration) and is left alone.
 */
export async function unsubscribeConnection(
  tenant: SubscriptionTenant,
  publicUrl: string,
): Promise<SubscriptionChange> {
  const url = notificationUrl(publicUrl, tenant.connection.notificationToken);
  const previous = await tenant.lifepos.notifications.get();
  if (!isSubscribedTo(previous, url)) return { changed: false, previous, url };
  await tenant.lifepos.notifications.unsubscribe();
  return { changed: true, previous, url };
}
