import { z } from 'zod';
import {
  identified,
  type Reference,
  ref,
  type Timestamps,
  timestampsShape,
  toReference,
  toTimestamps,
  wireReferenceSchema,
  withoutUndefined,
} from './wire.js';

export const wireOutletSchema = identified({
  name: z.string().nullish(),
  address: z.string().nullish(),
  legal_entity: wireReferenceSchema.nullish(),
  brand: wireReferenceSchema.nullish(),
  ...timestampsShape,
});

export interface Outlet extends Timestamps {
  guid: string;
  name: string | null;
  address: string | null;
  legalEntity: Reference | null;
  brand: Reference | null;
}

export function toOutlet(wire: z.infer<typeof wireOutletSchema>): Outlet {
  return {
    guid: wire.guid,
    name: wire.name ?? null,
    address: wire.address ?? null,
    legalEntity: toReference(wire.legal_entity),
    brand: toReference(wire.brand),
    ...toTimestamps(wire),
  };
}

/** POST /orgs/:org/outlets (docs/LIFEPOS-API.md, «Outlets»). */
export interface OutletCreateInput {
  /** 2–256 chars. */
  name: string;
  /** 2–256 chars. */
  address: string;
  legalEntityGuid: string;
  brandGuid?: string;
  meta?: string;
  metaData?: Record<string, unknown>;
}

export function encodeOutletCreate(input: OutletCreateInput): Record<string, unknown> {
  return withoutUndefined({
    name: input.name,
    address: input.address,
    legal_entity: ref(input.legalEntityGuid),
    brand: input.brandGuid === undefined ? undefined : ref(input.brandGuid),
    meta: input.meta,
    meta_data: input.metaData,
  });
}
