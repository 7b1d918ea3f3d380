import type { ConnectionRecord, Prisma } from '@connector/db';
import { requestConnectionSync } from '@connector/sync';
import { subscribeConnection, unsubscribeConnection } from '@connector/tenant';
import { type CheckReport, type RunChecksOptions, runChecks } from './checks/index.js';
import type { ConnectionDraft } from './connection-input.schema.js';
import type {
  ActivationLine,
  ConnectionServiceOptions,
  SaveResult,
  StoredCheck,
} from './connection-service.js';
import { t } from './i18n.js';
import { triggerInstructions } from './trigger-instructions.js';

/**
 * The steps the connection service's operations share: run the checks, record their outcome on the
 * connection, and activate it (subscribe its notifications, ask for a first sync) or unsubscribe it.
 */
export interface ServiceSteps {
  options: ConnectionServiceOptions;
  check(draft: ConnectionDraft, options?: RunChecksOptions): Promise<CheckReport>;
  /** The outcome, the whole report (shown when the page opens) and the organization's name it read. */
  recordCheck(id: string, report: CheckReport, activation?: ActivationLine[]): Promise<void>;
  /** Activates a connection whose checks passed and says how it went. */
  finish(connection: ConnectionRecord, report: CheckReport): Promise<SaveResult>;
  unsubscribe(connection: ConnectionRecord): Promise<void>;
}

/** One text of the check errors, stored as the connection's last error for the operations page. */
function errorSummary(report: CheckReport, activation: readonly ActivationLine[] = []): string | undefined {
  const errors = [...report.lines, ...activation].filter((entry) => entry.status === 'error');
  return errors.length
    ? errors.map((entry) => `${entry.title.ru}: ${entry.message.ru}`).join('\n')
    : undefined;
}

function storedReport(report: CheckReport, activation: readonly ActivationLine[]): StoredCheck {
  return {
    ok: report.ok && activation.every((line) => line.status !== 'error'),
    checkedAt: report.checkedAt,
    lines: [...report.lines, ...activation],
    ...(report.lifepos ? { lifepos: report.lifepos } : {}),
  };
}

export function fail(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const SUBSCRIBE_TITLE = t('Подписка на уведомления LIFE POS', 'LIFE POS notification subscription');
const SYNC_TITLE = t('Первая синхронизация магазинов и курьеров', 'First store and courier sync');

/** Subscribes the organization's notifications to this connection: its activation line. */
async function subscribeLine(
  options: ConnectionServiceOptions,
  connection: ConnectionRecord,
): Promise<ActivationLine> {
  const { db, runtime, logger } = options;
  try {
    const tenant = await runtime.open(connection.id, { requireActive: false });
    const change = await subscribeConnection(tenant, options.publicUrl);
    await db.connections.adoptNotificationToken(connection.id);
    logger.info('connection subscribed to LIFE POS notifications', {
      connectionId: connection.id,
      changed: change.changed,
    });
  } catch (error) {
    logger.warn('LIFE POS subscription failed', { connectionId: connection.id, error: fail(error) });
    return {
      id: 'activation.subscribe',
      status: 'error',
      title: SUBSCRIBE_TITLE,
      message: t(
        `LIFE POS не принял подписку: ${fail(error)}.`,
        `LIFE POS refused the subscription: ${fail(error)}.`,
      ),
      action: t('Повторите сохранение через несколько минут.', 'Save again in a few minutes.'),
    };
  }
  return {
    id: 'activation.subscribe',
    status: 'ok',
    title: SUBSCRIBE_TITLE,
    message: t(
      'Изменения продаж и оплат в LIFE POS будут приходить в коннектор.',
      'Sale and payment changes in LIFE POS will reach the connector.',
    ),
  };
}

/** Asks for the connection's first store and courier sync: its activation line. */
async function firstSyncLine(
  options: ConnectionServiceOptions,
  connection: ConnectionRecord,
): Promise<ActivationLine> {
  try {
    await requestConnectionSync(options.producer, connection.id);
    return {
      id: 'activation.sync',
      status: 'ok',
      title: SYNC_TITLE,
      message: t(
        'Запущена: торговые точки и курьеры появятся в LIFE POS через минуту.',
        'Started: outlets and couriers appear in LIFE POS within a minute.',
      ),
    };
  } catch (error) {
    options.logger.warn('first sync could not be queued', {
      connectionId: connection.id,
      error: fail(error),
    });
    return {
      id: 'activation.sync',
      status: 'warning',
      title: SYNC_TITLE,
      message: t(
        `Не поставлена в очередь (${fail(error)}); она пройдёт по расписанию.`,
        `Not queued (${fail(error)}); it will run on schedule.`,
      ),
    };
  }
}

/** Subscribes the organization's notifications to this connection, marks it active, asks for a first sync. */
async function activate(
  options: ConnectionServiceOptions,
  connection: ConnectionRecord,
): Promise<{ lines: ActivationLine[]; active: ConnectionRecord | undefined }> {
  const subscribed = await subscribeLine(options, connection);
  if (subscribed.status === 'error') return { active: undefined, lines: [subscribed] };
  const active =
    (await options.db.connections.update(connection.id, { status: 'active', disabledReason: null })) ??
    undefined;
  return { lines: [subscribed, await firstSyncLine(options, connection)], active };
}

export function serviceSteps(options: ConnectionServiceOptions): ServiceSteps {
  const { db, buildClients, runtime, logger } = options;

  const recordCheck: ServiceSteps['recordCheck'] = async (id, report, activation = []) => {
    const error = errorSummary(report, activation);
    await db.connections.recordCheck(id, {
      ...(error === undefined ? { ok: true } : { ok: false, error }),
      report: storedReport(report, activation) as unknown as Prisma.InputJsonValue,
      ...(report.lifepos?.orgName ? { lifeposOrgName: report.lifepos.orgName } : {}),
      ...(report.timeZone ? { retailcrmTimeZone: report.timeZone } : {}),
    });
  };

  const finish: ServiceSteps['finish'] = async (connection, report) => {
    const { lines, active: activated } = await activate(options, connection);
    await recordCheck(connection.id, report, lines);
    // As stored now: with what the check recorded (the account's time zone among it).
    const active = activated && ((await db.connections.get(connection.id)) ?? activated);
    if (!active) {
      return {
        kind: 'rejected',
        report,
        activation: lines,
        connection: (await db.connections.get(connection.id)) ?? undefined,
        saved: true,
      };
    }
    return {
      kind: 'activated',
      report,
      activation: lines,
      connection: active,
      triggers: triggerInstructions(options.triggerUrl, active.lifeposOrgId, active.settings, report.books),
    };
  };

  const unsubscribe: ServiceSteps['unsubscribe'] = async (connection) => {
    try {
      const tenant = await runtime.open(connection.id, { requireActive: false });
      await unsubscribeConnection(tenant, options.publicUrl);
    } catch (error) {
      // The webhook-worker's periodic subscription check turns it off for a connection that is not active.
      logger.warn('LIFE POS unsubscribe failed', { connectionId: connection.id, error: fail(error) });
    }
  };

  return {
    options,
    check: (draft, checkOptions) => runChecks(draft, buildClients(draft), checkOptions),
    recordCheck,
    finish,
    unsubscribe,
  };
}
