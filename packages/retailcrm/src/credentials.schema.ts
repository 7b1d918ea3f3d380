import { z } from 'zod';
import { optionalString } from './php-json-quirks.js';

/** `GET /api/credentials`: what the key may do (docs/RETAILCRM-API.md, «Key scopes»). */
export const credentialsSchema = z.looseObject({
  scopes: z.array(z.string()).default([]),
  /** `access_full` (every store) or `access_selective` (only `sitesAvailable`). */
  siteAccess: optionalString,
  sitesAvailable: z.array(z.string()).default([]),
});

export const apiVersionsSchema = z.looseObject({ versions: z.array(z.string()) });

export type RetailCrmCredentials = z.output<typeof credentialsSchema>;

/** A value of `GET /api/v5/settings` (docs/RETAILCRM-API.md, «Utility methods»): `{value, updated_at}`. */
const settingValue = z.looseObject({ value: z.string() }).optional().catch(undefined);

export const systemSettingsSchema = z.looseObject({
  settings: z
    .looseObject({
      default_currency: settingValue,
      system_language: settingValue,
      /** The account's IANA time zone: every date of the API is its wall clock. */
      timezone: settingValue,
    })
    .default({}),
});

/** The account's settings the connector reads. */
export interface RetailCrmSystemSettings {
  /** IANA name, present when the account gave one Intl knows. */
  timeZone: string | undefined;
  currency: string | undefined;
  language: string | undefined;
}
