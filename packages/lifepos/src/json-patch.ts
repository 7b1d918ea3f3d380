/**
 * RFC 6902 JSON Patch, the update format of LIFE POS v6 (organization, sales, outlets, employees).
 * A request succeeds only if every operation applies (docs/LIFEPOS-API.md, «Organizations»).
 */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; path: string; from: string };

/** RFC 6901 pointer from raw segments: `~` → `~0`, `/` → `~1`. */
export function jsonPointer(...segments: Array<string | number>): string {
  return segments
    .map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`)
    .join('');
}

/** One `replace` per defined field, in the API's own (snake_case) field names. */
export function replaceFields(fields: Record<string, unknown>): JsonPatchOperation[] {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => ({ op: 'replace', path: jsonPointer(field), value }));
}

export const NOTIFICATION_EXTENSION = 'notification_service';

export interface NotificationSubscriptionInput {
  /** Where LIFE POS POSTs changed objects (sales, payments, refunds, receipts). */
  url: string;
  secondaryUrl?: string;
}

/** `add` creates or replaces the whole extension object, so subscribing twice is harmless. */
export function subscribeNotificationsPatch({
  url,
  secondaryUrl,
}: NotificationSubscriptionInput): JsonPatchOperation[] {
  const value: Record<string, unknown> = {
    turned_on: true,
    primary_url_for_notifications: url,
    version: '1.0',
  };
  if (secondaryUrl !== undefined) value.secondary_url_for_notifications = secondaryUrl;
  return [{ op: 'add', path: jsonPointer('extensions', NOTIFICATION_EXTENSION), value }];
}

export function unsubscribeNotificationsPatch(): JsonPatchOperation[] {
  return [
    { op: 'replace', path: jsonPointer('extensions', NOTIFICATION_EXTENSION, 'turned_on'), value: false },
  ];
}
