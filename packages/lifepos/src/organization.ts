import { z } from 'zod';
import {
  identified,
  type Reference,
  type Timestamps,
  timestampsShape,
  toReference,
  toTimestamps,
  wireReferenceSchema,
} from './wire.js';

/**
 * `extensions.notification_service` (docs/LIFEPOS-API.md, «Subscribing»; only returned when the client
 * declares it).
 */
export const wireNotificationServiceSchema = z.looseObject({
  turned_on: z.boolean().nullish(),
  primary_url_for_notifications: z.string().nullish(),
  secondary_url_for_notifications: z.string().nullish(),
  version: z.union([z.string(), z.number()]).nullish(),
});

export const wireOrganizationSchema = identified({
  name: z.string().nullish(),
  alias: z.string().nullish(),
  owner: wireReferenceSchema.nullish(),
  extensions: z.looseObject({ notification_service: wireNotificationServiceSchema.nullish() }).nullish(),
  ...timestampsShape,
});

export interface NotificationSubscription {
  turnedOn: boolean;
  url: string | null;
  secondaryUrl: string | null;
  version: string | null;
}

export interface Organization extends Timestamps {
  guid: string;
  name: string | null;
  alias: string | null;
  owner: Reference | null;
  /** Undefined when the response did not include the extension (not declared, or never set). */
  notificationService: NotificationSubscription | undefined;
}

export function toNotificationSubscription(
  wire: z.infer<typeof wireNotificationServiceSchema> | null | undefined,
): NotificationSubscription | undefined {
  if (!wire) return undefined;
  return {
    turnedOn: wire.turned_on ?? false,
    url: wire.primary_url_for_notifications ?? null,
    secondaryUrl: wire.secondary_url_for_notifications ?? null,
    version: wire.version === null || wire.version === undefined ? null : String(wire.version),
  };
}

export function toOrganization(wire: z.infer<typeof wireOrganizationSchema>): Organization {
  return {
    guid: wire.guid,
    name: wire.name ?? null,
    alias: wire.alias ?? null,
    owner: toReference(wire.owner),
    notificationService: toNotificationSubscription(wire.extensions?.notification_service),
    ...toTimestamps(wire),
  };
}
