import type { PendingSecrets } from '@connector/db';
import { type Request, type Response, Router } from 'express';
import type { CheckReport, ReferenceBooks } from '../checks/index.js';
import { type FieldErrors, inputFromForm } from '../connection-input.schema.js';
import {
  type ActivationLine,
  type PublicConnection,
  publicConnection,
  type SaveResult,
  storedCheckOf,
} from '../connection-service.js';
import { joinTexts, type Text, t } from '../i18n.js';
import type { SecretField } from '../kept-secrets.js';
import { keptFields, type SecretKeeper, typedSecrets, withKept } from '../kept-secrets.js';
import {
  type ConnectionFormView,
  connectionFormPage,
  emptyFormValues,
  formValuesOf,
  formValuesOfInput,
} from '../pages/connection-form-page.js';
import type { TriggerInstructions } from '../trigger-instructions.js';
import type { PageRoutesDeps } from './page-routes.js';
import { notFound, pageContext, sendPage } from './page-support.js';

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

function redirectWithFlash(req: Request, res: Response, flash: Flash, to: string): void {
  req.session.flash = JSON.stringify(flash);
  res.redirect(303, to);
}

/** «Проверить без сохранения» (an intent sent twice, as a script might, still counts). */
const isCheck = (body: { intent?: unknown } | undefined) => [body?.intent].flat().includes('check');

/** Said after a try that did not store the typed secrets. */
const KEPT_NOTE = t(
  'Введённые пароль и ключ сохранены (зашифрованы) для следующей попытки: вводить их снова не нужно.',
  'The typed password and key are kept (encrypted) for the next try: no need to type them again.',
);

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

type FormInput = Omit<ConnectionFormView, 'values'> & { input: Record<string, unknown> };

/** A refused or checked form, shown again with what was typed (never the secrets). */
function renderForm(req: Request, res: Response, status: number, view: FormInput): void {
  const { input, ...rest } = view;
  const proposed = (view.report as Partial<CheckReport> | undefined)?.settings;
  const fallback = view.connection ? formValuesOf(view.connection) : emptyFormValues(proposed);
  const typed = formValuesOfInput(input, fallback);
  // Settings proposed from the account's books replace the defaults the form had filled in.
  const values = proposed ? { ...typed, settings: fallback.settings } : typed;
  sendPage(res, connectionFormPage(pageContext(req), { ...rest, values }), status);
}

type CheckOutcome = { kind: 'invalid'; fieldErrors: FieldErrors } | { kind: 'checked'; report: CheckReport };

/** «Проверить без сохранения»: the form again, with the check's lines (or the fields to fix). */
function renderChecked(
  req: Request,
  res: Response,
  checked: CheckOutcome,
  form: { connection?: PublicConnection; input: Record<string, unknown>; kept: SecretField[] },
): void {
  const { kept } = form;
  if (checked.kind === 'invalid') {
    renderForm(req, res, 422, { ...form, fieldErrors: checked.fieldErrors });
    return;
  }
  renderForm(req, res, 200, {
    ...form,
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
}

/**
 * After a save: the kept secrets are dropped when it stored the typed ones (in a new or draft connection,
 * or an activated one); otherwise what was typed is kept for the next try. The secrets kept now.
 */
async function settleSecrets(
  keeper: SecretKeeper,
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

const CONFLICT: FieldErrors = {
  lifeposOrgId: t(
    'Для этой организации LIFE POS подключение уже есть: откройте его в списке подключений.',
    'This LIFE POS organization already has a connection: open it from the connection list.',
  ),
};

/** A save whose checks failed: a working connection kept as it was, or the stored draft's page. */
function showRejected(
  req: Request,
  res: Response,
  result: Extract<SaveResult, { kind: 'rejected' }>,
  form: { connection: PublicConnection | undefined; input: Record<string, unknown>; kept: SecretField[] },
): void {
  if (!result.saved || !result.connection) {
    renderForm(req, res, 422, {
      ...form,
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
          ...(form.kept.length > 0 ? [KEPT_NOTE] : []),
        ]),
      },
    });
    return;
  }
  const notice = t(
    'Сохранено как черновик, но не включено: исправьте ошибки и сохраните снова.',
    'Saved as a draft but not activated: fix the errors and save again.',
  );
  redirectWithFlash(
    req,
    res,
    { report: result.report, activation: result.activation, notice: { kind: 'error', text: notice } },
    `/connections/${result.connection.id}`,
  );
}

async function handleSave(
  keeper: SecretKeeper,
  req: Request,
  res: Response,
  result: SaveResult,
  input: Record<string, unknown>,
  stored?: PublicConnection,
): Promise<void> {
  const kept = keptFields(await settleSecrets(keeper, req, stored?.id, result, typedSecrets(input)));
  const form = { connection: stored, input, kept };
  switch (result.kind) {
    case 'not-found':
      notFound(req, res);
      return;
    case 'invalid':
      renderForm(req, res, 422, { ...form, fieldErrors: result.fieldErrors });
      return;
    case 'conflict':
      renderForm(req, res, 409, { ...form, fieldErrors: CONFLICT });
      return;
    case 'rejected':
      showRejected(req, res, result, form);
      return;
    case 'activated': {
      const notice = t(
        'Подключение сохранено и включено. Осталось настроить триггеры в RetailCRM.',
        'The connection is saved and active. What is left: the RetailCRM triggers.',
      );
      redirectWithFlash(
        req,
        res,
        {
          report: result.report,
          activation: result.activation,
          triggers: result.triggers,
          notice: { kind: 'ok', text: notice },
        },
        `/connections/${result.connection.id}`,
      );
      return;
    }
  }
}

/** A connection's page: its state, its last check (or the one just made), its form and its triggers. */
async function showConnection(
  { db, service }: PageRoutesDeps,
  keeper: SecretKeeper,
  req: Request,
  res: Response,
): Promise<void> {
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
}

const SWEEP_NOTICES: Record<'queued' | 'inactive' | 'failed', Required<Flash>['notice']> = {
  queued: {
    kind: 'ok',
    text: t(
      'Сверка поставлена в очередь: коннектор сравнит недавние заказы RetailCRM с LIFE POS и сам исправит расхождения. Итог — в истории заказов.',
      'A reconciliation is queued: the connector compares recent RetailCRM orders with LIFE POS and repairs what differs. See the order timelines.',
    ),
  },
  inactive: {
    kind: 'error',
    text: t(
      'Сверка возможна только для активного подключения.',
      'Only an active connection can be reconciled.',
    ),
  },
  failed: {
    kind: 'error',
    text: t(
      'Не удалось поставить сверку в очередь (очередь недоступна). Попробуйте через минуту.',
      'Could not queue the reconciliation (the queue is unavailable). Try again in a minute.',
    ),
  },
};

/** «Новое подключение» and each connection's page: check, save, forget typed secrets. */
function registerFormRoutes(router: Router, deps: PageRoutesDeps, keeper: SecretKeeper): void {
  const { db, service } = deps;

  router.get('/connections/new', async (req, res) => {
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
  router.post('/connections/:id/discard-secrets', async (req, res) => {
    const id = String(req.params.id);
    const connection = id === 'new' ? undefined : await db.connections.get(id);
    if (id !== 'new' && !connection) {
      notFound(req, res);
      return;
    }
    await keeper.drop(req, connection?.id);
    const text = t('Введённые пароль и ключ забыты.', 'The typed password and key are forgotten.');
    redirectWithFlash(
      req,
      res,
      { notice: { kind: 'ok', text } },
      connection ? `/connections/${connection.id}` : '/connections/new',
    );
  });

  router.post('/connections', async (req, res) => {
    const input = inputFromForm(req.body ?? {});
    const given = withKept(input, await keeper.load(req, undefined));
    if (isCheck(req.body)) {
      const checked = await service.checkInput(given);
      const fieldErrors = checked.kind === 'invalid' ? checked.fieldErrors : undefined;
      const kept = keptFields(await keeper.keep(req, undefined, typedSecrets(input), fieldErrors));
      renderChecked(req, res, checked, { input, kept });
      return;
    }
    await handleSave(keeper, req, res, await service.create(given), input);
  });

  router.get('/connections/:id', (req, res) => showConnection(deps, keeper, req, res));

  router.post('/connections/:id', async (req, res) => {
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
      renderChecked(req, res, checked, { connection, input, kept });
      return;
    }
    await handleSave(keeper, req, res, await service.update(id, given), input, connection);
  });
}

/** «Отключить подключение» and «Сверить сейчас». */
function registerActionRoutes(router: Router, { service, logger }: PageRoutesDeps): void {
  router.post('/connections/:id/disable', async (req, res) => {
    const reason =
      typeof req.body?.reason === 'string' && req.body.reason.trim()
        ? req.body.reason.trim().slice(0, 200)
        : 'disabled in the console';
    const disabled = await service.disable(String(req.params.id), reason);
    if (!disabled) {
      notFound(req, res);
      return;
    }
    const text = t('Подключение отключено.', 'The connection is disabled.');
    redirectWithFlash(req, res, { notice: { kind: 'ok', text } }, `/connections/${disabled.id}`);
  });

  router.post('/connections/:id/sweep', async (req, res) => {
    const id = String(req.params.id);
    const outcome = await service.sweepNow(id).catch((error: unknown) => {
      logger.warn('could not request a convergence sweep', { connectionId: id, error });
      return 'failed' as const;
    });
    if (outcome === 'not-found') {
      notFound(req, res);
      return;
    }
    redirectWithFlash(req, res, { notice: SWEEP_NOTICES[outcome] }, `/connections/${id}`);
  });
}

/** A connection's page and the new connection's form, with what they post. */
export function connectionRouter(deps: PageRoutesDeps, keeper: SecretKeeper): Router {
  const router = Router();
  registerFormRoutes(router, deps, keeper);
  registerActionRoutes(router, deps);
  return router;
}
