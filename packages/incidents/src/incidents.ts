import type { Database, Incident } from '@connector/db';
import { ConnectorError } from '@connector/domain';
import type { Logger } from '@connector/logger';
import {
  type FinalFailure,
  type JobSuccess,
  jobOf,
  type Producer,
  QUEUE_NAMES,
  type QueueName,
} from '@connector/queue';
import { CONNECTION_ERROR_CODES, connectionErrorCode } from '@connector/tenant';
import {
  isPeriodicJob,
  isTransient,
  OUTAGE_TEXT,
  OUTAGE_WINDOW_MS,
  type OutageCause,
  outageOf,
  subjectOfJob,
} from './incident-causes.js';

/** What each queue was doing, in the words of the task a person reads (its job definition's `action`). */
export const ACTION = Object.fromEntries(QUEUE_NAMES.map((queue) => [queue, jobOf(queue).action])) as Record<
  QueueName,
  string
>;

const NEXT_STEP =
  'Устраните причину и повторите действие в RetailCRM (например, снова переведите заказ в нужный статус) — коннектор выполнит его заново.';

/** What to do once the cause is fixed: a job that repeats by itself says so in its definition (`nextStep`). */
function nextStepOf(queue: string): string {
  return (QUEUE_NAMES as readonly string[]).includes(queue)
    ? (jobOf(queue as QueueName).nextStep ?? NEXT_STEP)
    : NEXT_STEP;
}

/** Default of PERIODIC_FAILURE_GRACE_MINUTES: how long a periodic job may fail transiently unreported. */
export const DEFAULT_PERIODIC_GRACE_MS = 30 * 60_000;

/** What people read about an incident besides its cause: what went wrong, and what to do about it. */
export function incidentAdvice(incident: Pick<Incident, 'outage' | 'dedupeKey' | 'action'>): {
  title: string;
  todo: string;
} {
  const outage = incident.outage ? OUTAGE_TEXT[incident.outage as OutageCause] : undefined;
  if (outage) return { title: `Сбой: ${outage.title}. ${outage.problem}`, todo: outage.todo };
  const queue = incident.dedupeKey.split(':')[0] ?? '';
  return {
    title: `Коннектору не удалось ${incident.action}.`,
    todo: nextStepOf(queue),
  };
}

export interface IncidentReporterOptions {
  db: Database;
  producer: Producer;
  logger: Logger;
  /** Base URL of the console, for the timeline link in the task. */
  consoleUrl?: string | undefined;
  /** A periodic job failing transiently is reported once it has been failing this long. */
  periodicGraceMs?: number | undefined;
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

/**
 * Enqueues the `crm-tasks` job of an incident: creates its tasks, heals an outage, completes the tasks
 * once it is resolved (incident-tasks.ts). Adds while one is waiting collapse into it.
 */
export function enqueueIncidentJob(producer: Producer, incident: Pick<Incident, 'id' | 'connectionId'>) {
  return producer.add(
    'crm-tasks',
    { connectionId: incident.connectionId, incidentId: incident.id },
    { dedupeId: `crm-tasks.${incident.id}` },
  );
}

export interface IncidentReport {
  connectionId: string;
  /** The queue whose work failed: names the action in the task. */
  queue: QueueName;
  /** One incident (and one set of tasks) per key: `<queue>:<subject>:<cause code>`. */
  dedupeKey: string;
  orderId?: number | undefined;
  /** What failed (`order:<id>`, a job's scope): the incident resolves once a job of it succeeds. */
  subject?: string | undefined;
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
    `Что сделать: ${nextStepOf(report.queue)}`,
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
  if (report.subject !== undefined) {
    await db.incidents.addSubject(opened.incident.id, connectionId, {
      queue: report.queue,
      subject: report.subject,
      retailcrmOrderId: orderId ?? null,
    });
  }
  if (opened.incident.status === 'open') await enqueueIncidentJob(producer, opened.incident);
  return opened;
}

/**
 * Reports a failure of an upstream outage into the one incident of that outage (see `openOutage` of the
 * incidents repository), adding the failed order or periodic job to the subjects it lists. Its job runs
 * on every report (collapsed while one waits): it creates the tasks, or brings their list up to date.
 */
export async function openOutageIncident(
  { db, producer }: Pick<IncidentReporterOptions, 'db' | 'producer'>,
  report: {
    connectionId: string;
    cause: OutageCause;
    queue: QueueName;
    subject?: string;
    orderId?: number;
    reason: string;
  },
): Promise<{ incident: Incident; created: boolean }> {
  const text = OUTAGE_TEXT[report.cause];
  const opened = await db.incidents.openOutage(
    report.connectionId,
    report.cause,
    OUTAGE_WINDOW_MS,
    {
      action: `работа коннектора: ${text.title}`,
      cause: report.reason,
      message: [`Сбой: ${text.title}.`, text.problem, `Что сделать: ${text.todo}`].join('\n'),
    },
    {
      subject:
        report.subject === undefined
          ? undefined
          : { queue: report.queue, subject: report.subject, retailcrmOrderId: report.orderId ?? null },
    },
  );
  await enqueueIncidentJob(producer, opened.incident);
  return opened;
}

/** Says on the timeline and in RetailCRM (through the incident's job) that incidents are resolved. */
export async function announceResolved(
  { db, producer, logger }: Pick<IncidentReporterOptions, 'db' | 'producer' | 'logger'>,
  resolved: readonly Incident[],
  orderId: number | undefined,
): Promise<void> {
  for (const incident of resolved) {
    logger.info('incident resolved', { incidentId: incident.id, connectionId: incident.connectionId });
    if (orderId !== undefined) {
      await db.orderEvents.append(incident.connectionId, orderId, {
        type: 'incident.resolved',
        message: 'Ошибка больше не повторяется: задание выполнено, задачи об ошибке будут закрыты.',
        data: { incidentId: incident.id },
      });
    }
    if (incident.taskIds.length > 0) await enqueueIncidentJob(producer, incident);
  }
}

function errorFacts(error: Error): { code: string; reason: string } {
  return error instanceof ConnectorError
    ? { code: error.code, reason: error.userMessage }
    : { code: 'unexpected', reason: error.message };
}

/**
 * Periodic jobs run again by themselves: a transient failure is only counted, and reported once the
 * job has been failing for `graceMs`. True when the failure must be reported now.
 */
async function periodicFailureIsDue(
  { db, logger }: Pick<IncidentReporterOptions, 'db' | 'logger'>,
  failure: FinalFailure,
  graceMs: number,
): Promise<boolean> {
  const data = failure.data ?? failure.job.data;
  if (!isPeriodicJob(failure.queue, data) || !isTransient(failure.error)) return true;
  const { connectionId, subject } = subjectOfJob(failure.queue, data);
  if (!connectionId) return true;
  const since = await db.incidents.recordFailureStreak(
    connectionId,
    `${failure.queue}:${subject}`,
    failure.error.message,
  );
  const failingMs = Date.now() - since.getTime();
  if (failingMs >= graceMs) return true;
  logger.warn('periodic job failed; not reported while it has failed for less than the grace time', {
    queue: failure.queue,
    connectionId,
    subject,
    failingMs,
    graceMs,
    error: failure.error.message,
  });
  return false;
}

/** Why the tasks of an incident could not be created: the connection health, and a later retry. */
async function reportTasksFailure(
  { db, logger }: Pick<IncidentReporterOptions, 'db' | 'logger'>,
  failure: FinalFailure,
  connectionId: string,
  reason: string,
): Promise<void> {
  // Nowhere left to report inside RetailCRM: the connection's health shows it in the console.
  logger.error('could not create error tasks in RetailCRM', { connectionId, error: failure.error });
  await db.connections.recordCheck(connectionId, {
    ok: false,
    error: `Задачи об ошибке не созданы: ${reason}`,
  });
  const incidentId = (failure.data as { incidentId?: string } | undefined)?.incidentId;
  const incident = incidentId ? await db.incidents.get(incidentId) : null;
  // The periodic incident check tries again later (incident-watch.ts).
  if (incident) await db.incidents.markTasksFailed(incident.id);
}

/**
 * The worker runner's final-failure hook (Novu's "last failed attempt"). An upstream outage (LIFE POS or
 * RetailCRM down, a revoked key) joins the one incident of that outage; any other cause opens an incident
 * per (connection, queue, subject, cause). Periodic jobs failing transiently are reported only after the
 * grace time. Idempotent: a second failure with the same cause, a re-run of the hook or a race between
 * workers adds nothing.
 */
export function createFinalFailureHook(options: IncidentReporterOptions) {
  const { db, logger, consoleUrl } = options;
  const graceMs = options.periodicGraceMs ?? DEFAULT_PERIODIC_GRACE_MS;
  return async (failure: FinalFailure): Promise<void> => {
    const { connectionId, orderId, subject } = subjectOfJob(failure.queue, failure.data ?? failure.job.data);
    const { code, reason } = errorFacts(failure.error);
    if (!connectionId) {
      logger.error('job failed for good without a connection; no task can be created', {
        queue: failure.queue,
        jobId: failure.job.id,
        error: failure.error,
      });
      return;
    }
    if (connectionErrorCode(code) !== undefined) {
      // Disabling (or deleting) a connection is a person's decision: its queued jobs end quietly
      // instead of telling that person about it in tasks.
      logger.info('job dropped: the connection is not active', { queue: failure.queue, connectionId, code });
      if (orderId !== undefined && code === CONNECTION_ERROR_CODES.inactive) {
        await db.orderEvents.append(connectionId, orderId, {
          type: 'job.dropped',
          message: reason,
          data: { queue: failure.queue, jobId: failure.job.id ?? null },
        });
      }
      return;
    }
    if (failure.queue === 'crm-tasks') return reportTasksFailure(options, failure, connectionId, reason);
    if (!(await periodicFailureIsDue(options, failure, graceMs))) return;

    const cause = outageOf(failure.error);
    // Subjects that a later success settles: orders and periodic jobs (not a whole connection).
    const settles = subject !== 'connection';
    const { incident, created } = cause
      ? await openOutageIncident(options, {
          connectionId,
          cause,
          queue: failure.queue,
          ...(settles &&
            (orderId !== undefined || isPeriodicJob(failure.queue, failure.data)) && { subject }),
          ...(orderId !== undefined && { orderId }),
          reason,
        })
      : await openIncident(options, {
          connectionId,
          queue: failure.queue,
          dedupeKey: `${failure.queue}:${subject}:${code}`,
          orderId,
          ...(settles && { subject }),
          cause: reason,
          link: orderId !== undefined ? timelineUrl(consoleUrl, connectionId, orderId) : undefined,
        });
    if (!cause && settles) {
      // Past the outage, failing for a reason of its own: the outage no longer holds this subject up.
      const resolved = await db.incidents.settleSubject(
        connectionId,
        { queue: failure.queue, subject },
        { outagesOnly: true, exceptIncidentId: incident.id },
      );
      await announceResolved(options, resolved, undefined);
    }
    if (orderId !== undefined) {
      await db.orderEvents.append(connectionId, orderId, {
        type: 'job.failed',
        message: `${ACTION[failure.queue]}: ${reason}`,
        data: {
          queue: failure.queue,
          jobId: failure.job.id ?? null,
          code,
          incidentId: incident.id,
          newIncident: created,
          ...(cause && { outage: cause }),
        },
      });
    }
  };
}

/** A run that did nothing (connection no longer active, another run busy) proves nothing about its subject. */
function skipped(result: unknown): boolean {
  return typeof result === 'object' && result !== null && 'skipped' in result;
}

/**
 * The worker runner's success hook: a job that succeeds settles its subject in every incident that
 * holds it (an order in an outage's list, the order's own incident, a periodic job's); an incident left
 * with nothing pending is resolved, and its tasks are completed in RetailCRM by its job. A periodic job's
 * streak of failures ends. One indexed read when nothing is open, the common case.
 */
export function createSuccessHook(options: Pick<IncidentReporterOptions, 'db' | 'producer' | 'logger'>) {
  const { db } = options;
  return async (success: JobSuccess): Promise<void> => {
    if (success.queue === 'crm-tasks' || skipped(success.result)) return;
    const { connectionId, orderId, subject } = subjectOfJob(success.queue, success.data);
    if (!connectionId) return;
    if (isPeriodicJob(success.queue, success.data)) {
      await db.incidents.clearFailureStreak(connectionId, `${success.queue}:${subject}`);
    }
    if (subject === 'connection') return;
    const resolved = await db.incidents.settleSubject(connectionId, { queue: success.queue, subject });
    await announceResolved(options, resolved, orderId);
  };
}
