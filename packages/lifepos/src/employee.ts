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

export const wireEmployeeSchema = identified({
  name: z.string().nullish(),
  username: z.string().nullish(),
  phone: z.string().nullish(),
  email: z.string().nullish(),
  inn: textSchema.nullish(),
  role: wireReferenceSchema.nullish(),
  ...timestampsShape,
});

export interface Employee extends Timestamps {
  guid: string;
  name: string | null;
  username: string | null;
  phone: string | null;
  email: string | null;
  inn: string | null;
  /** The employee's role (Owner, Administrator, Manager, Cashier, Courier, …, or a custom one). */
  role: Reference | null;
}

export function toEmployee(wire: z.infer<typeof wireEmployeeSchema>): Employee {
  return {
    guid: wire.guid,
    name: wire.name ?? null,
    username: wire.username ?? null,
    phone: wire.phone ?? null,
    email: wire.email ?? null,
    inn: wire.inn ?? null,
    role: toReference(wire.role),
    ...toTimestamps(wire),
  };
}

/** POST /orgs/:org/employees (docs/LIFEPOS-API.md, «Employees»). */
export interface EmployeeCreateInput {
  /** 5–64 chars. */
  name: string;
  /** 2–24 chars, unique in the organization. */
  username: string;
  phone: string;
  roleGuid: string;
  /** 12 digits. */
  inn?: string | null;
  email?: string | null;
  meta?: string;
  metaData?: Record<string, unknown>;
}

export function encodeEmployeeCreate(input: EmployeeCreateInput): Record<string, unknown> {
  return withoutUndefined({
    name: input.name,
    username: input.username,
    phone: input.phone,
    role: ref(input.roleGuid),
    inn: input.inn,
    email: input.email,
    meta: input.meta,
    meta_data: input.metaData,
  });
}
