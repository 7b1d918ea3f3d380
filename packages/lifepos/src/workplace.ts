import { z } from 'zod';
import {
  identified,
  type Reference,
  ref,
  type Timestamps,
  textSchema,
  timestampsShape,
  toReference,
  toTimestamps,
  wireReferenceSchema,
  withoutUndefined,
} from './wire.js';

/**
 * `Mobile` suits couriers: the settlement address is set when the receipt is printed (docs/LIFEPOS-API.md,
 * «Workplaces»).
 */
export type WorkplaceType = 'Unknown' | 'Mobile' | 'Stationary' | 'Automat';

export const wireWorkplaceSchema = identified({
  number: textSchema.nullish(),
  name: z.string().nullish(),
  workplace_type: z.string().nullish(),
  activated_at: z.string().nullish(),
  outlet: wireReferenceSchema.nullish(),
  employee: wireReferenceSchema.nullish(),
  ...timestampsShape,
});

export interface Workplace extends Timestamps {
  guid: string;
  number: string | null;
  name: string | null;
  workplaceType: string | null;
  activatedAt: string | null;
  outlet: Reference | null;
  employee: Reference | null;
}

export function toWorkplace(wire: z.infer<typeof wireWorkplaceSchema>): Workplace {
  return {
    guid: wire.guid,
    number: wire.number ?? null,
    name: wire.name ?? null,
    workplaceType: wire.workplace_type ?? null,
    activatedAt: wire.activated_at ?? null,
    outlet: toReference(wire.outlet),
    employee: toReference(wire.employee),
    ...toTimestamps(wire),
  };
}

/**
 * POST /orgs/:org/workplaces (docs/LIFEPOS-API.md, «Workplaces»; only `workplace_type` is documented as
 * required).
 */
export interface WorkplaceCreateInput {
  workplaceType: WorkplaceType;
  /** ≤128 chars. */
  name?: string;
  /** 1–99999. */
  number?: number;
  outletGuid?: string;
  employeeGuid?: string;
  meta?: string;
  metaData?: Record<string, unknown>;
}

export function encodeWorkplaceCreate(input: WorkplaceCreateInput): Record<string, unknown> {
  return withoutUndefined({
    workplace_type: input.workplaceType,
    name: input.name,
    number: input.number,
    outlet: input.outletGuid === undefined ? undefined : ref(input.outletGuid),
    employee: input.employeeGuid === undefined ? undefined : ref(input.employeeGuid),
    meta: input.meta,
    meta_data: input.metaData,
  });
}
