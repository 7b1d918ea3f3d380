import type { Database } from '@connector/db';
import type { Logger } from '@connector/logger';
import type { Producer } from '@connector/queue';
import type { TenantRuntime } from '@connector/tenant';
import type { Request } from 'express';
import { connectionName } from '../connection-service.js';
import { type Text, zoneOf } from '../i18n.js';
import type { PageContext } from '../pages/layout.js';
import type { ConsoleQueues } from '../queues.js';

/** What the incidents and orders pages need. */
export interface OperationsDeps {
  db: Database;
  producer: Producer;
  runtime: TenantRuntime;
  queues: ConsoleQueues;
  logger: Logger;
}

export interface Notice {
  kind: 'ok' | 'error';
  text: Text;
}

/** The result of an action, shown once on the page it redirects to (the same session field as the form's). */
export function setNotice(req: Request, notice: Notice): void {
  req.session.flash = JSON.stringify({ notice });
}

export function takeNotice(
  req: Request,
  ctx: PageContext,
): { kind: 'ok' | 'error'; text: string } | undefined {
  const flash = req.session.flash;
  if (flash === undefined) return undefined;
  const notice = (JSON.parse(flash) as { notice?: Notice }).notice;
  if (!notice) return undefined;
  delete req.session.flash;
  return { kind: notice.kind, text: notice.text[ctx.locale] };
}

/** Where an action goes back to: the page (with its filters) it was posted from, never another site. */
export function backTo(value: unknown, page: '/incidents' | '/orders'): string {
  return typeof value === 'string' && (value === page || value.startsWith(`${page}?`)) ? value : page;
}

/** Connection id → the name shown for it, and the time zone its times are shown in. */
export async function connectionNames(
  db: Database,
): Promise<{ id: string; name: string; timeZone: string }[]> {
  return (await db.connections.list()).map((connection) => ({
    id: connection.id,
    name: connectionName(connection),
    timeZone: zoneOf(connection),
  }));
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The keyset cursor of a page link: `<ISO instant>_<uuid>`. */
export function cursorOf(value: unknown): { at: Date; id: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const [iso, id] = value.split('_');
  const at = new Date(iso ?? '');
  return id && UUID.test(id) && !Number.isNaN(at.getTime()) ? { at, id } : undefined;
}

export const cursorText = (at: Date, id: string) => `${at.toISOString()}_${id}`;
