import type { Database, PendingSecrets } from '@connector/db';
import type { Logger } from '@connector/logger';
import type { QueueName } from '@connector/queue';
import type { Express, Request, Response } from 'express';
import type { CheckReport, ReferenceBooks } from '../connection-checks.js';
import { type FieldErrors, inputFromForm } from '../connection-input.schema.js';
import {
  type ActivationLine,
  type ConnectionService,
  connectionName,
  type PublicConnection,
  publicConnection,
  type SaveResult,
  storedCheckOf,
} from '../connection-service.js';
import { csrfToken, isSignedIn } from '../console-auth.js';
import type { Html } from '../html.js';
import { DEFAULT_LOCALE, isLocale, joinTexts, type Text, t, zoneOf } from '../i18n.js';
import { createSecretKeeper, keptFields, typedSecrets, withKept } from '../kept-secrets.js';
import {
  type ConnectionFormView,
  connectionFormPage,
  emptyFormValues,
  formValuesOf,
  formValuesOfInput,
} from '../pages/connection-form-page.js';
import { type ConnectionRow, connectionsPage } from '../pages/connections-page.js';
import type { PageContext } from '../pages/layout.js';
import { messagePage } from '../pages/login-page.js';
import { timelinePage } from '../pages/timeline-page.js';
import { backlogByConnection, type ConsoleQueues, queueCounts } from '../queues.js';
import { timelineNames } from '../timeline/timeline-names.js';
import type { TriggerInstructions } from '../trigger-instructions.js';

export interface PageRoutesDeps {
  db: Database;
  service: ConnectionService;
  queues: ConsoleQueues;
  logger: Logger;
}

export function pageContext(req: Request): PageContext {
  const locale = isLocale(req.session?.locale) ? req.session.locale : DEFAULT_LOCALE;
  return {
    locale,
    csrf: req.session ? csrfToken(req) : undefined,
    signedIn: isSignedIn(req),
    path: req.originalUrl,
  };
}

export function sendPage(res: Response, page: Html, status = 200): void {
  res.status(status).type('html').send(page.value);
}

/** What a save leaves for the page it redirects to. */
interface Flash {
  report?: CheckReport;
  activation?: ActivationLine[];
  triggers?: TriggerInstructions;
  notice?: { kind: 'ok' | 'error'; text: Text };
}

function takeFlash(req: Request): Flash | undefined {
  const flash = req.session.flash;
  if (flash === undefined) return undefined;
  delete req.session.flash;
  return JSON.parse(flash) as Flash;
}

/** A connection matches the list's search by its organization's name or id or its RetailCRM address. */
function matches(
  connection: { lifeposOrgName: string | null; lifeposOrgId: string; retailcrmUrl: string },
  q: string,
): boolean {
  if (!q) return true;
  const needle = q.toLocaleLowerCase('ru');
  return [connection.lifeposOrgName ?? '', connection.lifeposOrgId, connection.retailcrmUrl].some((value) =>
    value.toLocaleLowerCase('ru').includes(needle),
  );
}

const ORDER_ID_MAX = 2_147_483_647;

/** «Проверить без сохранения» (an intent sent twice, as a script might, still counts). */
const isCheck = (body: { intent?: unknown } | undefined) => [body?.intent].flat().includes('check');

/** Said after a try that did not store the typed secrets. */
const KEPT_NOTE = t(
  'Введённые пароль и ключ сохранены (зашифрованы) для следующей попытки: вводить их снова не нужно.',
  'The typed password and key are kept (encrypted) for the next try: no need to type them again.',
);

function orderIdOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) return undefined;
  const id = Number(value);
  return id >= 1 && id <= ORDER_ID_MAX ? id : undefined;
}

/** Waits for the account's reference books a few seconds at most: the page must not hang on RetailCRM. */
async function booksWithin(
  load: Promise<ReferenceBooks | undefined>,
  ms: number,
): Promise<ReferenceBooks | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([load.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function registerPageRoutes(app: Express, deps: PageRoutesDeps): void {
  const { db, service, queues, logger } = deps;
  const keeper = createSecretKeeper(db);

  const notFound = (req: Request, res: Response) => {
    const ctx = pageContext(req);
    sendPage(
      res,
      messagePage(
        ctx,
        ctx.locale === 'ru' ? 'Не найдено' : 'Not found',
        ctx.locale === 'ru' ? 'Такой страницы нет.' : 'There is no such page.',
        {
          href: '/connections',
          text: ctx.locale === 'ru' ? 'К подключениям' : 'To the connections',
        },
      ),
      404,
    );
  };

  app.get('/', (_req, res) => res.redirect(303, '/connections'));

  app.get('/connections', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 100) : '';
    const connections = (await db.connections.list()).filter((connection) => matches(connection, q));
    const openIncidents = await db.incidents.openCounts();
    let counts: Awaited<ReturnType<typeof queueCounts>> | undefined;
    let backlog: Awaited<ReturnType<typeof backlogByConnection>> = { byConnection: new Map(), truncated: [] };
    try {
      [counts, backlog] = await Promise.all([queueCounts(queues), backlogByConnection(queues)]);
    } catch (error) {
      logger.warn('queue state unavailable', { error: (error as Error).message });
    }
    const rows: ConnectionRow[] = connections.map((connection) => ({
      connection: publicConnection(connection),
      openIncidents: openIncidents.get(connection.id) ?? 0,
      backlog: backlog.byConnection.get(connection.id) ?? ({} as Partial<Record<QueueName, number>>),
    }));
    sendPage(
      res,
      connectionsPage(pageContext(req), { rows, q, queues: counts, truncated: backlog.truncated }),
    );
  });

  app.get('/connections/new', async (req, res) => {
    const flash = takeFlash(req);
    const kept = keptFields(await keeper.load(req, undefined));
    sendPage(
      res,
      connectionFormPage(pageContext(req), {
        values: emptyFormValues(),
        kept,
        ...(flash?.notice ? { notice: flash.notice } : {}),
      }),
    );
  });

  /** «Забыть введённые пароль и ключ»: drops the secrets kept from earlier tries (`new`: the session's). */
  app.post('/connections/:id/discard-secrets', async (req, res) => {
    const id = String(req.params.id);
    const connection = id === 'new' ? undefined : await db.connections.get(id);
    if (id !== 'new' && !connection) {
      notFound(req, res);
      return;
    }
    await keeper.drop(req, connection?.id);
    req.session.flash = JSON.stringify({
      notice: {
        kind: 'ok',
        text: t('Введённые пароль и ключ забыты.', 'The typed password and key are forgotten.'),
      },
    } satisfies Flash);
    res.redirect(303, connection ? `/connections/${connection.id}` : '/connections/new');
  });

  /** A refused or checked form, shown again with what was typed (never the secrets). */
  function renderForm(
    req: Request,
    res: Response,
    status: number,
    view: Omit<ConnectionFormView, 'values'> & { input: Record<string, unknown> },
  ) {
    const { input, ...rest } = view;
    const proposed = (view.report as Partial<CheckReport> | undefined)?.settings;
    const fallback = view.connection ? formValuesOf(view.connection) : emptyFormValues(proposed);
    const typed = formValuesOfInput(input, fallback);
    // Settings proposed from the account's books replace the defaults the form had filled in.
    const values = proposed ? { ...typed, settings: fallback.settings } : typed;
    sendPage(res, connectionFormPage(pageContext(req), { ...rest, values }), status);
  }

  /**
   * After a save: the kept secrets are dropped when it stored the typed ones (in a new or draft connection,
   * or an activated one); otherwise what was typed is kept for the next try. The secrets kept now.
   */
  async function settleSecrets(
    req: Request,
    connectionId: string | undefined,
    result: SaveResult,
    typed: PendingSecrets,
  ): Promise<PendingSecrets> {
    if (result.kind === 'activated' || (result.kind === 'rejected' && result.saved)) {
      await keeper.drop(req, connectionId);
      return {};
    }
    if (result.kind === 'not-found') return {};
    return keeper.keep(req, connectionId, typed, result.kind === 'invalid' ? result.fieldErrors : undefined);
  }

  async function handleSave(
    req: Request,
    res: Response,
    result: SaveResult,
    input: Record<string, unknown>,
    stored?: PublicConnection,
  ) {
    const kept = keptFields(await settleSecrets(req, stored?.id, result, typedSecrets(input)));
    switch (result.kind) {
      case 'not-found':
        notFound(req, res);
        return;
      case 'invalid':
        renderForm(req, res, 422, { connection: stored, fieldErrors: result.fieldErrors, input, kept });
        return;
      case 'conflict':
        renderForm(req, res, 409, {
          connection: stored,
          input,
          kept,
          fieldErrors: {
            lifeposOrgId: t(
              'Для этой организации LIFE POS подключение уже есть: откройте его в списке подключений.',
              'This LIFE POS organization already has a connection: open it from the connection list.',
            ),
          } satisfies FieldErrors,
        });
        return;
      case 'rejected':
        if (!result.saved || !result.connection) {
          renderForm(req, res, 422, {
            connection: stored,
            input,
            kept,
            report: result.report,
            activation: result.activation,
            ...(result.report.books ? { books: result.report.books } : {}),
            notice: {
              kind: 'error',
              text: joinTexts([
                t(
                  'Изменения не сохранены: подключение работает с прежними настройками. Исправьте ошибки и сохраните снова.',
                  'The changes were not saved: the connection keeps working with its previous settings. Fix the errors and save again.',
                ),
                ...(kept.length > 0 ? [KEPT_NOTE] : []),
              ]),
            },
          });
          return;
        }
        req.session.flash = JSON.stringify({
          report: result.report,
          activation: result.activation,
          notice: {
            kind: 'error',
            text: t(
              'Сохранено как черновик, но не включено: исправьте ошибки и сохраните снова.',
              'Saved as a draft but not activated: fix the errors and save again.',
            ),
          },
        } satisfies Flash);
        res.redirect(303, `/connections/${result.connection.id}`);
        return;
      case 'activated':
        req.session.flash = JSON.stringify({
          report: result.report,
          activation: result.activation,
          triggers: result.triggers,
          notice: {
            kind: 'ok',
            text: t(
              'Подключение сохранено и включено. Осталось настроить триггеры в RetailCRM.',
              'The connection is saved and active. What is left: the RetailCRM triggers.',
            ),
          },
        } satisfies Flash);
        res.redirect(303, `/connections/${result.connection.id}`);
        return;
    }
  }

  app.post('/connections', async (req, res) => {
    const input = inputFromForm(req.body ?? {});
    const given = withKept(input, await keeper.load(req, undefined));
    if (isCheck(req.body)) {
      const checked = await service.checkInput(given);
      const fieldErrors = checked.kind === 'invalid' ? checked.fieldErrors : undefined;
      const kept = keptFields(await keeper.keep(req, undefined, typedSecrets(input), fieldErrors));
      if (checked.kind === 'invalid')
        renderForm(req, res, 422, { fieldErrors: checked.fieldErrors, input, kept });
      else
        renderForm(req, res, 200, {
          input,
          kept,
          report: checked.report,
          ...(checked.report.books ? { books: checked.report.books } : {}),
          notice: {
            kind: checked.report.ok ? 'ok' : 'error',
            text: joinTexts([
              t('Проверено без сохранения.', 'Checked without saving.'),
              ...(kept.length > 0 ? [KEPT_NOTE] : []),
            ]),
          },
        });
      return;
    }
    await handleSave(req, res, await service.create(given), input);
  });

  app.get('/connections/:id', async (req, res) => {
    const connection = await db.connections.get(String(req.params.id));
    if (!connection) {
      notFound(req, res);
      return;
    }
    const flash = takeFlash(req);
    const books = flash?.report?.books ?? (await booksWithin(service.referenceBooks(connection), 5_000));
    const stored = storedCheckOf(connection);
    const openIncidents = (await db.incidents.openCounts()).get(connection.id) ?? 0;
    const view: ConnectionFormView = {
      connection: publicConnection(connection),
      openIncidents,
      kept: keptFields(await keeper.load(req, connection.id)),
      values: formValuesOf(publicConnection(connection)),
      ...(flash?.report ? { report: flash.report } : stored ? { report: stored } : {}),
      ...(flash?.activation ? { activation: flash.activation } : {}),
      ...(flash?.notice ? { notice: flash.notice } : {}),
      ...(books ? { books } : {}),
      ...(connection.status === 'active'
        ? { triggers: flash?.triggers ?? service.triggers(connection, books) }
        : {}),
    };
    sendPage(res, connectionFormPage(pageContext(req), view));
  });

  app.post('/connections/:id', async (req, res) => {
    const id = String(req.params.id);
    const stored = await db.connections.get(id);
    if (!stored) {
      notFound(req, res);
      return;
    }
    const connection = publicConnection(stored);
    const input = inputFromForm(req.body ?? {});
    const given = withKept(input, await keeper.load(req, stored.id));
    if (isCheck(req.body)) {
      const checked = await service.checkUpdate(id, given);
      if (checked.kind === 'not-found') {
        notFound(req, res);
        return;
      }
      const fieldErrors = checked.kind === 'invalid' ? checked.fieldErrors : undefined;
      const kept = keptFields(await keeper.keep(req, stored.id, typedSecrets(input), fieldErrors));
      if (checked.kind === 'invalid')
        renderForm(req, res, 422, { connection, fieldErrors: checked.fieldErrors, input, kept });
      else
        renderForm(req, res, 200, {
          connection,
          input,
          kept,
          report: checked.report,
          ...(checked.report.books ? { books: checked.report.books } : {}),
          notice: {
            kind: checked.report.ok ? 'ok' : 'error',
            text: joinTexts([
              t('Проверено без сохранения.', 'Checked without saving.'),
              ...(kept.length > 0 ? [KEPT_NOTE] : []),
            ]),
          },
        });
      return;
    }
    await handleSave(req, res, await service.update(id, given), input, connection);
  });

  app.post('/connections/:id/disable', async (req, res) => {
    const reason =
      typeof req.body?.reason === 'string' && req.body.reason.trim()
        ? req.body.reason.trim().slice(0, 200)
        : 'disabled in the console';
    const disabled = await service.disable(String(req.params.id), reason);
    if (!disabled) {
      notFound(req, res);
      return;
    }
    req.session.flash = JSON.stringify({
      notice: { kind: 'ok', text: t('Подключение отключено.', 'The connection is disabled.') },
    } satisfies Flash);
    res.redirect(303, `/connections/${disabled.id}`);
  });

  app.post('/connections/:id/sweep', async (req, res) => {
    const id = String(req.params.id);
    const outcome = await service.sweepNow(id).catch((error: unknown) => {
      logger.warn('could not request a convergence sweep', { connectionId: id, error });
      return 'failed' as const;
    });
    if (outcome === 'not-found') {
      notFound(req, res);
      return;
    }
    const notice: Flash['notice'] = {
      queued: {
        kind: 'ok' as const,
        text: t(
          'Сверка поставлена в очередь: коннектор сравнит недавние заказы RetailCRM с LIFE POS и сам исправит расхождения. Итог — в истории заказов.',
          'A reconciliation is queued: the connector compares recent RetailCRM orders with LIFE POS and repairs what differs. See the order timelines.',
        ),
      },
      inactive: {
        kind: 'error' as const,
        text: t(
          'Сверка возможна только для активного подключения.',
          'Only an active connection can be reconciled.',
        ),
      },
      failed: {
        kind: 'error' as const,
        text: t(
          'Не удалось поставить сверку в очередь (очередь недоступна). Попробуйте через минуту.',
          'Could not queue the reconciliation (the queue is unavailable). Try again in a minute.',
        ),
      },
    }[outcome];
    req.session.flash = JSON.stringify({ notice } satisfies Flash);
    res.redirect(303, `/connections/${id}`);
  });

  app.get('/connections/:id/orders/:orderId', async (req, res) => {
    const connection = await db.connections.get(String(req.params.id));
    const orderId = orderIdOf(req.params.orderId);
    if (!connection || orderId === undefined) {
      notFound(req, res);
      return;
    }
    const [link, events, incidents, names] = await Promise.all([
      db.orderLinks.get(connection.id, orderId),
      db.orderEvents.list(connection.id, orderId, { limit: 500 }),
      db.incidents.listForOrder(connection.id, orderId),
      timelineNames(db, connection),
    ]);
    sendPage(
      res,
      timelinePage(pageContext(req), {
        connectionId: connection.id,
        connectionName: connectionName(connection),
        orderId,
        link,
        events,
        incidents,
        names,
        timeZone: zoneOf(connection),
      }),
    );
  });
}
