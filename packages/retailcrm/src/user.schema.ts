import { z } from 'zod';
import { optionalBoolean, optionalString } from './php-json-quirks.js';

/**
 * CRM user (docs/RETAILCRM-API.md, «Users and groups»); `groups` carries the group codes the error-task
 * recipients are chosen by.
 */
export const userSchema = z.looseObject({
  id: z.number().int(),
  active: optionalBoolean,
  email: optionalString,
  firstName: optionalString,
  lastName: optionalString,
  patronymic: optionalString,
  status: optionalString,
  isAdmin: optionalBoolean,
  isManager: optionalBoolean,
  groups: z
    .array(z.looseObject({ id: z.number().int().optional(), name: optionalString, code: z.string() }))
    .default([]),
});

export const userGroupSchema = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  code: z.string(),
  isManager: optionalBoolean,
  /** The group of couriers. */
  isDeliveryMen: optionalBoolean,
});

export type RetailCrmUser = z.output<typeof userSchema>;
export type RetailCrmUserGroup = z.output<typeof userGroupSchema>;
