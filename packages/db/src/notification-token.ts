import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { assertSecretsKey } from './secret-box.js';

/**
 * The secret path segment of a connection's LIFE POS notification URL. It is not stored: it is derived from
 * SECRETS_KEY and the connection id (HMAC-SHA256 under a key of its own drawn from SECRETS_KEY), so the
 * console and the webhook-worker's subscription check can always build the URL, while the database holds
 * only its SHA-256 — what the receiver looks a notification's connection up by. A copy of the database
 * does not let anybody post notifications as LIFE POS.
 */
export function notificationTokenFor(secretsKey: Buffer, connectionId: string): string {
  assertSecretsKey(secretsKey);
  const key = Buffer.from(hkdfSync('sha256', secretsKey, 'connector', 'notification-token', 32));
  return createHmac('sha256', key).update(connectionId.toLowerCase(), 'utf8').digest('base64url');
}

/** What the `notificationTokenHash` column holds: SHA-256, hex (as the migration computed it in SQL). */
export function hashNotificationToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether `token` hashes to `storedHash`, compared in constant time. */
export function notificationTokenMatches(storedHash: string, token: string): boolean {
  const stored = Buffer.from(storedHash, 'hex');
  const given = Buffer.from(hashNotificationToken(token), 'hex');
  return stored.length === given.length && timingSafeEqual(stored, given);
}
