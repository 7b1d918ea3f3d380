import { z } from 'zod';
import { keyedOrList, optionalBoolean, optionalNumeric, optionalString } from './php-json-quirks.js';

/**
 * Reference books (docs/RETAILCRM-API.md, «Reference books»). Some books arrive keyed by code
 * (`{"new": {…}}`), others as arrays; which is which has shifted between API versions, so every book accepts
 * both and decodes to an array.
 */

const phoneSchema = z.looseObject({ number: optionalString }).nullish();

/** Legal entity as embedded in a site or listed in `/reference/legal-entities` (upper-case INN/KPP). */
export const legalEntitySchema = z.looseObject({
  code: optionalString,
  contragentType: optionalString,
  legalName: optionalString,
  legalAddress: optionalString,
  INN: optionalString,
  KPP: optionalString,
  OGRN: optionalString,
  OGRNIP: optionalString,
  countryIso: optionalString,
  vatRate: optionalString,
});

export const siteSchema = z.looseObject({
  code: z.string(),
  name: z.string(),
  id: optionalNumeric,
  url: optionalString,
  contragent: legalEntitySchema.nullish(),
  countryIso: optionalString,
  currency: optionalString,
});

export const storeSchema = z.looseObject({
  code: z.string(),
  name: z.string(),
  externalId: optionalString,
  /** `store-type-retail` = point of sale, `store-type-warehouse`, `store-type-online`, `store-type-supplier`. */
  type: optionalString,
  active: optionalBoolean,
  phone: phoneSchema,
  address: z.looseObject({ text: optionalString, city: optionalString }).nullish(),
});

export const statusSchema = z.looseObject({
  code: z.string(),
  name: z.string(),
  active: optionalBoolean,
  ordering: optionalNumeric,
  /** Status-group code. */
  group: optionalString,
});

export const statusGroupSchema = z.looseObject({
  code: z.string(),
  name: z.string(),
  active: optionalBoolean,
  ordering: optionalNumeric,
  process: optionalBoolean,
  statuses: z.array(z.string()).default([]),
});

export const paymentTypeSchema = z.looseObject({
  code: z.string(),
  name: z.string(),
  active: optionalBoolean,
  defaultForCrm: optionalBoolean,
  defaultForApi: optionalBoolean,
});

export const paymentStatusSchema = z.looseObject({
  code: z.string(),
  name: z.string(),
  active: optionalBoolean,
  /** Payments in this status count as paid. */
  paymentComplete: optionalBoolean,
  ordering: optionalNumeric,
});

export const deliveryTypeSchema = z.looseObject({
  code: z.string(),
  name: z.string(),
  active: optionalBoolean,
  /** `courier` for the built-in courier delivery. */
  integrationCode: optionalString,
  defaultCost: optionalNumeric,
});

export const courierSchema = z.looseObject({
  id: z.number().int(),
  firstName: optionalString,
  lastName: optionalString,
  patronymic: optionalString,
  email: optionalString,
  description: optionalString,
  active: optionalBoolean,
  phone: phoneSchema,
});

/** Envelopes of the reference-book answers: top-level key → book. */
export const referenceBooks = {
  sites: z.looseObject({ sites: keyedOrList(siteSchema, 'code') }),
  stores: z.looseObject({ stores: keyedOrList(storeSchema, 'code') }),
  statuses: z.looseObject({ statuses: keyedOrList(statusSchema, 'code') }),
  statusGroups: z.looseObject({ statusGroups: keyedOrList(statusGroupSchema, 'code') }),
  paymentTypes: z.looseObject({ paymentTypes: keyedOrList(paymentTypeSchema, 'code') }),
  paymentStatuses: z.looseObject({ paymentStatuses: keyedOrList(paymentStatusSchema, 'code') }),
  deliveryTypes: z.looseObject({ deliveryTypes: keyedOrList(deliveryTypeSchema, 'code') }),
  legalEntities: z.looseObject({ legalEntities: keyedOrList(legalEntitySchema, 'code') }),
  couriers: z.looseObject({ couriers: keyedOrList(courierSchema) }),
};

export type RetailCrmSite = z.output<typeof siteSchema>;
export type RetailCrmStore = z.output<typeof storeSchema>;
export type RetailCrmStatus = z.output<typeof statusSchema>;
export type RetailCrmStatusGroup = z.output<typeof statusGroupSchema>;
export type RetailCrmPaymentType = z.output<typeof paymentTypeSchema>;
export type RetailCrmPaymentStatus = z.output<typeof paymentStatusSchema>;
export type RetailCrmDeliveryType = z.output<typeof deliveryTypeSchema>;
export type RetailCrmLegalEntity = z.output<typeof legalEntitySchema>;
export type RetailCrmCourier = z.output<typeof courierSchema>;
