import type { Database, Incident } from '@connector/db';
import { ConnectorError, PermanentError } from '@connector/domain';
import type { Logger } from '@connector/logger';
import {
  defineHandler,
  type FinalFailure,
  type JobHandler,
  type Producer,
  type QueueName,
} from '@connector/queue';
import type { Tenant, TenantRuntime } from './tenant-runtime.js';

/** What each queue was doing, in the words of the task a person reads. */
const ACTION: Record<QueueName, string> = {
  'order-export': 'выгрузить заказ в LIFE POS',
  'order-cancel': 'отменить продажу в LIFE POS',
  'order-refund': 'оформить возврат оплаты в LIFE POS',
  'lifepos-events': 'перенести данные продажи из LIFE POS в RetailCRM',
  sync: 'синхронизировать магазины и курьеров с LIFE POS',
  'crm-tasks': 'создать задачи об ошибке в RetailCRM',
  reconcile: 'сверить заказы RetailCRM и LIFE POS',
};

const NEXT_STEP =
  'Устраните причину и повторите действие в RetailCRM (например, снова переведите заказ в нужный статус) — коннектор выполнит его заново.';

/** Queues whose work repeats by itself need no action in RetailCRM after the fix. */
const NEXT_STEP_OF: Partial<Record<QueueName, string>> = {
  sync: 'Устраните причину — коннектор сам повторит синхронизацию (по расписанию и при выгрузке заказов).',
};

export interface IncidentReporterOptions {
  db: Database;
  producer: Producer;
  logger: Logger;
  /** Base URL of the console, for the timeline link in the task. */
  consoleUrl?: string | undefined;
}

function subjectOf(failure: FinalFailure): { connectionId?: string; orderId?: number; scope: string } {
  const data = (failure.data ?? failure.job.data ?? {}) as Record<string, unknown>;
  const connectionId = typeof data.connectionId === 'string' ? data.connectionId : undefined;
  const orderId = typeof data.orderId === 'number' ? data.orderId : undefined;
  const scope =
    orderId !== undefined
      ? `order:${orderId}`
      : [data.scope, data.storeCode, data.courierId, data.saleId, data.kind, data.check]
          .filter((v) => v !== undefined)
          .join(':') || 'connection';
  return { ...(connectionId ? { connectionId } : {}), ...(orderId !== undefined ? { orderId } : {}), scope };
}

export function timelineUrl(
  consoleUrl: string | undefined,
  connectionId: string,
  orderId: number,
): string | undefined {
  return consoleUrl
    ? `${consoleUrl.replace(/\/+$/, '')}/connections/${connectionId}/orders/${orderId}`
    : undefined;
}

export interface IncidentReport {
  connectionId: string;
  /** The queue whose work failed: names the action in the task. */
  queue: QueueName;
  /** One incident (and one set of tasks) per key: `<queue>:<subject>:<cause code>`. */
  dedupeKey: string;
  orderId?: number | undefined;
  /** Why it failed, in words for people (the error's `userMessage`). */
  cause: string;
  /** Link to the order's timeline in the console. */
  link?: string | undefined;
}

/**
 * Opens the incident of `report.dedupeKey` and enqueues its `crm-tasks` job, both idempotent: the same
 * report again (a re-run, a race between workers, the next periodic sync) adds nothing. Shared by the
 * final-failure hook and by jobs that report per-item problems without failing (the sync).
 */
export async function openIncident(
  { db, producer }: Pick<IncidentReporterOptions, 'db' | 'producer'>,
  report: IncidentReport,
): Promise<{ incident: Incident; created: boolean }> {
  const { connectionId, orderId } = report;
  const action = ACTION[report.queue];
  const message = [
    `Коннектору RetailCRM → LIFE POS не удалось ${action}${orderId !== undefined ? ` (заказ ${orderId})` : ''}.`,
    `Причина: ${report.cause}`,
    `Что сделать: ${NEXT_STEP_OF[report.queue] ?? NEXT_STEP}`,
    report.link ? `История заказа: ${report.link}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  const opened = await db.incidents.open(connectionId, report.dedupeKey, {
    retailcrmOrderId: orderId ?? null,
    action,
    cause: report.cause,
    message,
  });
  if (opened.incident.status === 'open') {
    // A fixed job id: however often this runs for the incident, one tasks job exists.
    await producer.add(
      'crm-tasks',
      { connectionId, incidentId: opened.incident.id },
      { jobId: `crm-tasks.${opened.incident.id}` },
    );
  }
  return opened;
}

/**
 * The worker runner's final-failure hook (Novu's "last failed attempt"): opens an incident deduplicated per
 * (connection, queue, subject, cause) and enqueues one `crm-tasks` job for it. A second failure with the
 * same cause, a re-run of the hook or a race between workers finds the incident and adds nothing.
 */
export function createFinalFailureHook({ db, producer, logger, consoleUrl }: IncidentReporterOptions) {
  return async (failure: FinalFailure): Promise<void> => {
    const { connectionId, orderId, scope } = subjectOf(failure);
    const code = failure.error instanceof ConnectorError ? failure.error.code : 'unexpected';
    const reason =
      failure.error instanceof ConnectorError ? failure.error.userMessage : failure.error.message;
    if (!connectionId) {
      logger.error('job failed for good without a connection; no task can be created', {
        queue: failure.queue,
        jobId: failure.job.id,
        error: failure.error,
      });
      return;
    }
    if (code === 'connection.inactive' || code === 'connection.missing') {
      // Disabling (or deleting) a connection is a person's decision: its queued jobs end quietly
      // instead of telling that person about it in tasks.
      logger.info('job dropped: the connection is not active', { queue: failure.queue, connectionId, code });
      if (orderId !== undefined && code === 'connection.inactive') {
        await db.orderEvents.append(connectionId, orderId, {
          type: 'job.dropped',
          message: reason,
          data: { queue: failure.queue, jobId: failure.job.id ?? null },
        });
      }
      return;
    }
    if (failure.queue === 'crm-tasks') {
      // Nowhere left to report inside RetailCRM: the connection's health shows it in the console.
      logger.error('could not create error tasks in RetailCRM', { connectionId, error: failure.error });
      await db.connections.recordCheck(connectionId, {
        ok: false,
        error: `Задачи об ошибке не созданы: ${reason}`,
      });
      return;
    }
    const action = ACTION[failure.queue];
    const { incident, created } = await openIncident(
      { db, producer },
      {
        connectionId,
        queue: failure.queue,
        dedupeKey: `${failure.queue}:${scope}:${code}`,
        orderId,
        cause: reason,
        link: orderId !== undefined ? timelineUrl(consoleUrl, connectionId, orderId) : undefined,
      },
    );
    if (orderId !== undefined) {
      await db.orderEvents.append(connectionId, orderId, {
        type: 'job.failed',
        message: `${action}: ${reason}`,
        data: {
          queue: failure.queue,
          jobId: failure.job.id ?? null,
          code,
          incidentId: incident.id,
          newIncident: created,
        },
      });
    }
  };
}

const DEADLINE_MS = 60 * 60 * 1000;

type TaskInput = Parameters<Tenant['retailcrm']['createTask']>[0];

/**
 * Creates the task linked to its order; when RetailCRM refuses the link (the order was deleted since),
 * the task is still created, unlinked: a person must hear about the failure either way.
 */
async function createTaskLinkedIfPossible(
  tenant: Tenant,
  task: TaskInput,
  orderId: number | null,
): Promise<number> {
  if (!orderId) return (await tenant.retailcrm.createTask(task)).id;
  try {
    return (await tenant.retailcrm.createTask({ ...task, order: { id: orderId } })).id;
  } catch (error) {
    const fieldErrors =
      error instanceof ConnectorError
        ? (error.details.errors as Record<string, unknown> | undefined)
        : undefined;
    if (!fieldErrors || typeof fieldErrors !== 'object' || !('order' in fieldErrors)) throw error;
    return (await tenant.retailcrm.createTask(task)).id;
  }
}

/**
 * `crm-tasks`: one RetailCRM task for every active member of the tenant's error group, once per incident.
 * Each created task is recorded before the next one, so a retry after a partial run completes the set
 * without giving anyone a second task.
 */
export function createCrmTasksHandler({
  db,
  runtime,
}: {
  db: Database;
  runtime: TenantRuntime;
}): JobHandler<'crm-tasks'> {
  return defineHandler('crm-tasks', async ({ data, logger }) => {
    const incident = await db.incidents.get(data.incidentId);
    if (incident?.status !== 'open') return { skipped: incident?.status ?? 'missing' };
    const tenant = await runtime.open(data.connectionId, { requireActive: false });
    const group = tenant.connection.errorUserGroupCode;
    const members = [];
    for (let page = 1; ; page += 1) {
      const { users, pagination } = await tenant.retailcrm.listUsers(
        { groups: [group], active: true },
        { page, limit: 100 },
      );
      members.push(...users.filter((user) => user.active !== false));
      if (page >= (pagination.totalPageCount ?? 1)) break;
    }
    if (members.length === 0) {
      throw new PermanentError(`error group "${group}" has no active users`, {
        code: 'tasks.no_performers',
        userMessage: `В группе пользователей «${group}» нет активных сотрудников: задачи об ошибках некому назначить.`,
      });
    }
    const done = new Set(incident.taskPerformerIds);
    for (const user of members) {
      if (done.has(user.id)) continue;
      const task = {
        text: incident.retailcrmOrderId
          ? `LIFE POS: ошибка по заказу ${incident.retailcrmOrderId}`
          : 'LIFE POS: ошибка коннектора',
        commentary: incident.message,
        performerId: user.id,
        datetime: new Date(Date.now() + DEADLINE_MS),
      };
      const taskId = await createTaskLinkedIfPossible(tenant, task, incident.retailcrmOrderId);
      await db.incidents.recordTask(incident.id, taskId, user.id);
      logger.info('error task created', { incidentId: incident.id, taskId, performerId: user.id });
    }
    await db.incidents.markTasksCreated(incident.id);
    if (incident.retailcrmOrderId) {
      await tenant.record(incident.retailcrmOrderId, {
        type: 'task.created',
        message: `Задачи об ошибке созданы для ${members.length} сотрудников группы «${group}»`,
        data: { incidentId: incident.id, performers: members.map((user) => user.id) },
      });
    }
    return { performers: members.length };
  });
}
