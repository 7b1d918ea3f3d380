import { z } from 'zod';
import { optionalBoolean, optionalNumeric, optionalString } from './php-json-quirks.js';

/**
 * CRM task as listed by `GET /tasks` (docs/RETAILCRM-API.md, «Tasks»). `datetime` is `Y-m-d H:i` (account
 * time zone).
 */
export const taskSchema = z.looseObject({
  id: z.number().int(),
  text: optionalString,
  commentary: optionalString,
  datetime: optionalString,
  createdAt: optionalString,
  complete: optionalBoolean,
  completedAt: optionalString,
  performer: optionalNumeric,
  performerType: optionalString,
  creator: optionalNumeric,
  order: z
    .looseObject({ id: z.number().int().optional(), externalId: optionalString, number: optionalString })
    .nullish(),
});

export type RetailCrmTask = z.output<typeof taskSchema>;
