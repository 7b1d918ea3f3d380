import type { Database, Incident, IncidentSubject } from '@connector/db';
import { ConnectorError, PermanentError } from '@connector/domain';
import type { Logger } from '@connector/logger';
import { defineHandler, type JobHandler, type Producer } from '@connector/queue';
import type { Tenant, TenantRuntime } from '@connector/tenant';
import { redriveSubjects } from './incident-actions.js';
import { OUTAGE_TEXT, type OutageCause, upstreamOf } from './incident-causes.js';
import { ACTION, announceResolved, timelineUrl } from './incidents.js';

const DEADLINE_MS = 60 * 60 * 1000;
/** An outage's subject whose job was enqueued again and is still pending is enqueued again after this. */
const REDRIVE_AGAIN_MS = 15 * 60_000;
/** Orders named one by one in an outage's task; the rest are counted. */
const LISTED_ORDERS = 50;

type TaskInput = Parameters<Tenant['retailcrm']['createTask']>[0];

export interface CrmTasksDeps {
  db: Database;
  runtime: TenantRuntime;
  producer: Producer;
  logger: Logger;
  /** Base URL of the console, for the orders' timeline links in an outage's task. */
  consoleUrl?: string | undefined;
}

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

/** The task text of an outage: what is down, the orders it holds up (with timeline links), what to do. */
export function outageMessage(
  incident: Pick<Incident, 'connectionId' | 'cause' | 'outage'>,
  subjects: readonly Pick<IncidentSubject, 'queue' | 'subject' | 'retailcrmOrderId'>[],
  consoleUrl: string | undefined,
): string {
  const text = OUTAGE_TEXT[incident.outage as OutageCause];
  const orders = subjects.filter((s) => s.retailcrmOrderId !== null);
  const jobs = subjects.filter((s) => s.retailcrmOrderId === null);
  const lines = orders.slice(0, LISTED_ORDERS).map((s) => {
    const link = timelineUrl(consoleUrl, incident.connectionId, s.retailcrmOrderId as number);
    return `— заказ ${s.retailcrmOrderId}: ${ACTION[s.queue as keyof typeof ACTION] ?? s.queue}${link ? ` — ${link}` : ''}`;
  });
  if (orders.length > LISTED_ORDERS) lines.push(`— и ещё ${orders.length - LISTED_ORDERS}`);
  return [
    `Коннектору RetailCRM → LIFE POS мешает сбой: ${text.title}.`,
    text.problem,
    `Последняя ошибка: ${incident.cause}`,
    orders.length > 0 ? `Заказы, которые ждут (${orders.length}):\n${lines.join('\n')}` : undefined,
    jobs.length > 0
      ? `Задания по расписанию: ${jobs.map((s) => ACTION[s.queue as keyof typeof ACTION] ?? s.queue).join('; ')}`
      : undefined,
    `Что сделать: ${text.todo}`,
  ]
    .filter(Boolean)
    .join('\n');
}

function taskTitle(incident: Incident): string {
  if (incident.outage) return `LIFE POS: сбой — ${OUTAGE_TEXT[incident.outage as OutageCause].title}`;
  return incident.retailcrmOrderId
    ? `LIFE POS: ошибка по заказу ${incident.retailcrmOrderId}`
    : 'LIFE POS: ошибка коннектора';
}

/** The text of an incident's tasks now (an outage's list grows as its failures come in). */
async function currentMessage(deps: CrmTasksDeps, incident: Incident): Promise<string> {
  if (!incident.outage) return incident.message;
  return outageMessage(incident, await deps.db.incidents.subjects(incident.id), deps.consoleUrl);
}

/**
 * One RetailCRM task for every active member of the tenant's error group, once per incident. Each created
 * task is recorded before the next one, so a retry after a partial run completes the set without giving
 * anyone a second task.
 */
async function createTasks(deps: CrmTasksDeps, tenant: Tenant, incident: Incident, logger: Logger) {
  const { db } = deps;
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
  const message = await currentMessage(deps, incident);
  if (message !== incident.message) await db.incidents.setMessage(incident.id, message);
  const done = new Set(incident.taskPerformerIds);
  for (const user of members) {
    if (done.has(user.id)) continue;
    const task = {
      text: taskTitle(incident),
      commentary: message,
      performerId: user.id,
      datetime: new Date(Date.now() + DEADLINE_MS),
    };
    const taskId = await createTaskLinkedIfPossible(tenant, task, incident.retailcrmOrderId);
    await db.incidents.recordTask(incident.id, taskId, user.id);
    logger.info('error task created', { incidentId: incident.id, taskId, performerId: user.id });
  }
  await db.incidents.markTasksCreated(incident.id);
  if (incident.retailcrmOrderId) {
    await tenant.timeline.append(incident.retailcrmOrderId, {
      type: 'task.created',
      message: `Задачи об ошибке созданы для ${members.length} сотрудников группы «${group}»`,
      data: { incidentId: incident.id, performers: members.map((user) => user.id) },
    });
  }
  return members.length;
}

/** An outage's tasks keep listing every order it holds up: their text follows the list. */
async function refreshTasks(deps: CrmTasksDeps, tenant: Tenant, incident: Incident): Promise<number> {
  const message = await currentMessage(deps, incident);
  if (message === incident.message) return 0;
  for (const taskId of incident.taskIds) {
    await tenant.retailcrm.editTask(taskId, { commentary: message });
  }
  await deps.db.incidents.setMessage(incident.id, message);
  return incident.taskIds.length;
}

/** Completes the tasks of a resolved incident in RetailCRM, with a line saying why. */
async function completeTasks(deps: CrmTasksDeps, tenant: Tenant, incident: Incident): Promise<number> {
  const note = incident.resolvedByHand
    ? 'Закрыто вручную в консоли коннектора. Задача закрыта автоматически.'
    : incident.outage
      ? `Решено: сбой прошёл (${OUTAGE_TEXT[incident.outage as OutageCause].title.toLowerCase()} — больше нет), коннектор выполнил задания. Задача закрыта автоматически.`
      : 'Решено: задание коннектора выполнено успешно, ошибки больше нет. Задача закрыта автоматически.';
  let completed = 0;
  for (const taskId of incident.taskIds) {
    // Null when deleted by a person in RetailCRM: nothing left to complete.
    const task = await tenant.retailcrm.getTaskOrNull(taskId);
    if (!task || task.complete) continue;
    const commentary = [task.commentary, note].filter(Boolean).join('\n\n');
    await tenant.retailcrm.editTask(taskId, { complete: true, commentary });
    completed += 1;
  }
  await deps.db.incidents.markTasksCompleted(incident.id);
  if (incident.retailcrmOrderId) {
    await tenant.timeline.append(incident.retailcrmOrderId, {
      type: 'task.completed',
      message: `Задачи об ошибке закрыты в RetailCRM (${completed})`,
      data: { incidentId: incident.id },
    });
  }
  return completed;
}

/** One light call to the upstream of the outage, through the tenant's limiter: does it answer again? */
async function upstreamAnswers(tenant: Tenant, cause: OutageCause): Promise<boolean> {
  try {
    if (upstreamOf(cause) === 'lifepos') await tenant.lifepos.orgs.me();
    else await tenant.retailcrm.credentials();
    return true;
  } catch {
    // Down, or failing otherwise (rate limited, …): not yet; the periodic check probes again.
    return false;
  }
}

/**
 * While an outage's incident is open: once the upstream answers again, enqueue its orders' jobs again
 * (the triggers' dedupe ids, so a job still waiting takes them in) and run its periodic jobs now (their
 * dedupe ids of a run on demand) rather than at their next period, which may be hours away; resolve it
 * when nothing is pending.
 */
async function healOutage(deps: CrmTasksDeps, tenant: Tenant, incident: Incident, logger: Logger) {
  const { db, producer } = deps;
  const cause = incident.outage as OutageCause;
  if (tenant.connection.status !== 'active') return 'inactive';
  if (!(await upstreamAnswers(tenant, cause))) return 'down';
  const pending = await db.incidents.pendingSubjects(incident.id);
  if (pending.length === 0) {
    if (await db.incidents.resolveOpen(incident.id)) {
      await announceResolved({ db, producer, logger }, [incident], undefined);
    }
    return 'resolved';
  }
  const due = pending.filter(
    (s) => s.redrivenAt === null || Date.now() - s.redrivenAt.getTime() >= REDRIVE_AGAIN_MS,
  );
  const redriven = await redriveSubjects(deps, tenant, incident, due, {
    source: 'reconcile',
    message: `Сбой прошёл (${OUTAGE_TEXT[cause].title.toLowerCase()} — больше нет): задание поставлено в очередь заново`,
  });
  if (redriven.length > 0) {
    logger.info('outage over: its orders and periodic jobs enqueued again', {
      incidentId: incident.id,
      orders: redriven.filter((s) => s.retailcrmOrderId !== null).length,
      jobs: redriven.filter((s) => s.retailcrmOrderId === null).length,
    });
  }
  return `redriven:${redriven.length}`;
}

/**
 * `crm-tasks`: brings one incident's RetailCRM side in step. An open incident gets its tasks (one per
 * active member of the error group); an outage's incident is healed (see `healOutage`) and its tasks keep
 * listing its orders; a resolved incident's tasks are completed. Run when the incident opens or grows, when
 * it resolves, and by the periodic incident check (incident-watch.ts) until there is nothing left to do.
 */
export function createCrmTasksHandler(deps: CrmTasksDeps): JobHandler<'crm-tasks'> {
  const { db, runtime } = deps;
  return defineHandler('crm-tasks', async ({ data, logger }) => {
    const incident = await db.incidents.get(data.incidentId);
    if (!incident) return { skipped: 'missing' };
    const tenant = await runtime.open(data.connectionId, { requireActive: false });
    const outcome: Record<string, unknown> = {};
    let tasksError: unknown;
    try {
      if (incident.status === 'open') outcome.performers = await createTasks(deps, tenant, incident, logger);
      else if (incident.status === 'tasks_created' && incident.outage) {
        outcome.refreshed = await refreshTasks(deps, tenant, incident);
      }
    } catch (error) {
      // Healing does not wait for RetailCRM tasks (they cannot be created while RetailCRM is down).
      tasksError = error;
    }
    if (incident.outage && incident.status !== 'resolved') {
      outcome.heal = await healOutage(deps, tenant, incident, logger);
    }
    if (tasksError !== undefined) throw tasksError;
    const latest = await db.incidents.get(incident.id);
    if (latest?.status === 'resolved' && latest.taskIds.length > 0 && !latest.tasksCompletedAt) {
      outcome.completed = await completeTasks(deps, tenant, latest);
    }
    return Object.keys(outcome).length > 0 ? outcome : { skipped: incident.status };
  });
}
