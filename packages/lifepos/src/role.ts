import { z } from 'zod';
import { identified, timestampsShape } from './wire.js';

export const wireRoleSchema = identified({
  name: z.string().nullish(),
  role_type: z.string().nullish(),
  ...timestampsShape,
});

export interface Role {
  guid: string;
  name: string | null;
  /** `Owner`, `Administrator`, `Manager`, `Cashier`, `Courier`, `Guest` (G6) where the API says so. */
  roleType: string | null;
}

export function toRole(wire: z.infer<typeof wireRoleSchema>): Role {
  return { guid: wire.guid, name: wire.name ?? null, roleType: wire.role_type ?? null };
}
