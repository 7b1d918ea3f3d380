import { z } from 'zod';
import { identified, textSchema, timestampsShape } from './wire.js';

export const wireUnitOfMeasureSchema = identified({
  name: z.string().nullish(),
  short_name: z.string().nullish(),
  code: textSchema.nullish(),
  ...timestampsShape,
});

export interface UnitOfMeasure {
  guid: string;
  name: string | null;
  shortName: string | null;
  /** OKEI code where the API gives one. */
  code: string | null;
}

export function toUnitOfMeasure(wire: z.infer<typeof wireUnitOfMeasureSchema>): UnitOfMeasure {
  return {
    guid: wire.guid,
    name: wire.name ?? null,
    shortName: wire.short_name ?? null,
    code: wire.code ?? null,
  };
}
