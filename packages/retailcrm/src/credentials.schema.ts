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
