import { z } from 'zod';
import { identified, type Timestamps, textSchema, timestampsShape, toTimestamps } from './wire.js';

export const wireLegalEntitySchema = identified({
  juridical_name: z.string().nullish(),
  juridical_address: z.string().nullish(),
  inn: textSchema.nullish(),
  kpp: textSchema.nullish(),
  ogrn: textSchema.nullish(),
  tax_systems: z.array(z.string()).nullish(),
  ...timestampsShape,
});

export interface LegalEntity extends Timestamps {
  guid: string;
  name: string | null;
  address: string | null;
  /** Outlets are matched to RetailCRM stores through this INN. */
  inn: string | null;
  kpp: string | null;
  ogrn: string | null;
  taxSystems: string[];
}

export function toLegalEntity(wire: z.infer<typeof wireLegalEntitySchema>): LegalEntity {
  return {
    guid: wire.guid,
    name: wire.juridical_name ?? null,
    address: wire.juridical_address ?? null,
    inn: wire.inn ?? null,
    kpp: wire.kpp ?? null,
    ogrn: wire.ogrn ?? null,
    taxSystems: wire.tax_systems ?? [],
    ...toTimestamps(wire),
  };
}
