import { Prisma } from './generated/prisma/client.js';

/** A write hit a unique key: the row it describes already exists. */
export class UniqueViolationError extends Error {
  constructor(
    /** Prisma model, when Prisma knows it. */
    readonly model: string | undefined,
    /** Fields of the violated key. */
    readonly fields: readonly string[],
    /** Name of the violated index, e.g. `OrderLink_connectionId_retailcrmOrderId_key`. */
    readonly constraint: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `Unique constraint violated${model ? ` on ${model}` : ''}${fields.length > 0 ? ` (${fields.join(', ')})` : ''}`,
      options,
    );
    this.name = 'UniqueViolationError';
  }
}

interface AdapterErrorCause {
  kind?: string;
  constraint?: { fields?: string[]; index?: string };
}

/**
 * The UniqueViolationError a Prisma error stands for, if it is one. With driver adapters Prisma reports
 * model queries as P2002 and raw queries as P2010; both carry the adapter's error kind.
 */
export function asUniqueViolation(error: unknown): UniqueViolationError | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const meta = (error.meta ?? {}) as {
    modelName?: string;
    driverAdapterError?: { cause?: AdapterErrorCause };
  };
  const cause = meta.driverAdapterError?.cause;
  if (error.code !== 'P2002' && cause?.kind !== 'UniqueConstraintViolation') return undefined;
  const index = cause?.constraint?.index;
  // PostgreSQL names only the index; Prisma names unique indexes `<Model>_<field>_<field>_key`.
  const prefix = `${meta.modelName}_`;
  const fields =
    cause?.constraint?.fields ??
    (index && meta.modelName && index.startsWith(prefix) && index.endsWith('_key')
      ? index.slice(prefix.length, -'_key'.length).split('_')
      : []);
  return new UniqueViolationError(meta.modelName, fields, index, { cause: error });
}

/** Runs a write and turns a unique-key violation into a UniqueViolationError. */
export async function translateUniqueViolation<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw asUniqueViolation(error) ?? error;
  }
}
