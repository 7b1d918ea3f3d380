import type { Database } from '@connector/db';
import { HttpError } from '@connector/http';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import type { CheckReport } from '../checks/index.js';
import type { FieldErrors } from '../connection-input.schema.js';
import {
  type ActivationLine,
  type ConnectionService,
  publicConnection,
  type SaveResult,
} from '../connection-service.js';
import type { Locale, Text } from '../i18n.js';
import type { TriggerInstructions } from '../trigger-instructions.js';

/**
 * `/api/connections`: what the settings form does, for automation (the local demo creates its connection
 * here). Same validation, same checks, same activation. Texts in Russian unless `?lang=en` or an English
 * Accept-Language.
 */

export const API_PREFIX = '/api/connections';

function localeOf(req: Request): Locale {
  if (req.query.lang === 'en' || req.query.lang === 'ru') return req.query.lang;
  return /^en\b/i.test(req.get('accept-language') ?? '') ? 'en' : 'ru';
}

function linesOf(locale: Locale, lines: readonly (CheckReport['lines'][number] | ActivationLine)[]) {
  return lines.map((line) => ({
    id: line.id,
    status: line.status,
    title: line.title[locale],
    message: line.message[locale],
    ...(line.action ? { action: line.action[locale] } : {}),
  }));
}

function checksOf(locale: Locale, report: CheckReport, activation: readonly ActivationLine[] = []) {
  return {
    ok: report.ok,
    checkedAt: report.checkedAt,
    lines: linesOf(locale, [...report.lines, ...activation]),
  };
}

function triggersOf(locale: Locale, triggers: TriggerInstructions) {
  return {
    ...triggers,
    triggers: triggers.triggers.map((trigger) => ({
      ...trigger,
      name: trigger.name[locale],
      event: trigger.event[locale],
      condition: trigger.condition[locale],
    })),
  };
}

function invalid(locale: Locale, fieldErrors: FieldErrors): HttpError {
  const fields = Object.fromEntries(
    Object.entries(fieldErrors).map(([name, text]: [string, Text]) => [name, text[locale]]),
  );
  return new HttpError(400, 'invalid_input', `Invalid fields: ${Object.keys(fields).join(', ')}`, { fields });
}

/** Writes must be JSON: a cross-site HTML form cannot send it, so Basic credentials a browser cached cannot be abused. */
function requireJsonBody(): RequestHandler {
  return (req, _res, next) => {
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (req.method !== 'GET' && hasBody && !req.is('application/json')) {
      next(new HttpError(415, 'unsupported_media_type', 'Send the body as application/json'));
      return;
    }
    next();
  };
}

function sendSave(req: Request, res: Response, result: SaveResult, createdStatus: number): void {
  const locale = localeOf(req);
  switch (result.kind) {
    case 'invalid':
      throw invalid(locale, result.fieldErrors);
    case 'not-found':
      throw new HttpError(404, 'not_found', 'No such connection');
    case 'conflict':
      throw new HttpError(409, 'conflict', 'This LIFE POS organization already has a connection', {
        connectionId: result.existingId,
      });
    case 'rejected':
      res.status(422).json({
        error: {
          code: 'checks_failed',
          message: result.saved
            ? 'Stored as a draft, not activated: a check failed'
            : 'Not saved: a check failed; the connection keeps its previous settings',
        },
        saved: result.saved,
        connection: result.connection ? publicConnection(result.connection) : null,
        checks: checksOf(locale, result.report, result.activation),
      });
      return;
    case 'activated':
      res.status(createdStatus).json({
        connection: publicConnection(result.connection),
        checks: checksOf(locale, result.report, result.activation),
        triggers: triggersOf(locale, result.triggers),
      });
      return;
  }
}

export function registerApiRoutes(
  app: Express,
  deps: { db: Database; service: ConnectionService },
  auth: RequestHandler[],
): void {
  const { db, service } = deps;
  const router = express.Router();
  router.use(...auth, requireJsonBody());

  router.get('/', async (_req, res) => {
    res.json({ connections: (await db.connections.list()).map(publicConnection) });
  });

  router.post('/', async (req, res) => {
    sendSave(req, res, await service.create(req.body ?? {}), 201);
  });

  router.post('/check', async (req, res) => {
    const result = await service.checkInput(req.body ?? {});
    if (result.kind === 'invalid') throw invalid(localeOf(req), result.fieldErrors);
    res.json({ checks: checksOf(localeOf(req), result.report) });
  });

  router.get('/:id', async (req, res) => {
    const connection = await db.connections.get(req.params.id);
    if (!connection) throw new HttpError(404, 'not_found', 'No such connection');
    res.json({
      connection: publicConnection(connection),
      ...(connection.status === 'active'
        ? { triggers: triggersOf(localeOf(req), service.triggers(connection)) }
        : {}),
    });
  });

  router.patch('/:id', async (req, res) => {
    sendSave(req, res, await service.update(req.params.id, req.body ?? {}), 200);
  });

  router.post('/:id/check', async (req, res) => {
    const report = await service.checkStored(req.params.id);
    if (!report) throw new HttpError(404, 'not_found', 'No such connection');
    res.json({ checks: checksOf(localeOf(req), report) });
  });

  router.post('/:id/disable', async (req, res) => {
    const given = (req.body as { reason?: unknown } | undefined)?.reason;
    const reason =
      typeof given === 'string' && given.trim() ? given.trim().slice(0, 200) : 'disabled through the API';
    const disabled = await service.disable(req.params.id, reason);
    if (!disabled) throw new HttpError(404, 'not_found', 'No such connection');
    res.json({ connection: publicConnection(disabled) });
  });

  app.use(API_PREFIX, router);
}
