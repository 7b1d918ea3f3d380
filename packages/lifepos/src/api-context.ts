import type { z } from 'zod';
import { isLifePosNotFound } from './errors.js';
import type { JsonPatchOperation } from './json-patch.js';
import type { MoneyCodec } from './money.js';
import { type Call, type Connection, signedCall } from './request.js';
import type { TokenSession } from './token-session.js';
import { listEnvelopeSchema, type Page, type Presentation, type QueryValue, toPage } from './wire.js';

/** The request shapes every resource builder uses (`client.ts` composes the builders). */
export interface ApiContext {
  orgId: string;
  money: MoneyCodec;
  call<T>(spec: Call<T>): Promise<T>;
  /** A path below `/orgs/{org}`, each segment escaped. */
  org(...segments: string[]): string;
  one<W, T>(
    path: string,
    schema: z.ZodType<W>,
    map: (wire: W) => T,
    extensions?: readonly string[],
  ): Promise<T>;
  /** `one`, or null when LIFE POS answers 404 (the object, or its parent, is not there). */
  oneOrNull<W, T>(path: string, schema: z.ZodType<W>, map: (wire: W) => T): Promise<T | null>;
  page<W, T>(
    path: string,
    schema: z.ZodType<W>,
    map: (wire: W) => T,
    query: Record<string, QueryValue>,
  ): Promise<Page<T>>;
  create<W, T>(path: string, body: unknown, schema: z.ZodType<W>, map: (wire: W) => T): Promise<T>;
  /** JSON Patch, all or nothing; 204. No operations: nothing is sent. */
  patch(path: string, operations: JsonPatchOperation[], extensions?: readonly string[]): Promise<void>;
}

export function createApiContext(
  connection: Connection,
  session: TokenSession,
  { orgId, presentation, money }: { orgId: string; presentation: Presentation; money: MoneyCodec },
): ApiContext {
  const call = <T>(spec: Call<T>) => signedCall(connection, session, spec);
  const one: ApiContext['one'] = (path, schema, map, extensions) =>
    call({
      method: 'GET',
      path,
      query: { presentation },
      extensions,
      decode: (json) => map(schema.parse(json)),
    });
  return {
    orgId,
    money,
    call,
    org: (...segments) =>
      ['/orgs', orgId, ...segments].map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/'),
    one,
    async oneOrNull(path, schema, map) {
      try {
        return await one(path, schema, map);
      } catch (error) {
        if (isLifePosNotFound(error)) return null;
        throw error;
      }
    },
    page(path, schema, map, query) {
      const envelope = listEnvelopeSchema(schema);
      return call({
        method: 'GET',
        path,
        query: { presentation, ...query },
        decode: (json) => toPage(envelope.parse(json), (item) => map(item)),
      });
    },
    create: (path, body, schema, map) =>
      call({
        method: 'POST',
        path,
        query: { presentation },
        body,
        decode: (json) => map(schema.parse(json)),
      }),
    async patch(path, operations, extensions) {
      if (operations.length === 0) return;
      await call<void>({ method: 'PATCH', path, body: operations, extensions });
    },
  };
}
