import { ConnectorError, errorKind } from '@connector/domain';
import { LIFEPOS_ERROR_CODES } from '@connector/lifepos';
import {
  type AddOptions,
  isQueueName,
  type JobData,
  jobOf,
  periodicKindOf,
  type QueueName,
} from '@connector/queue';
import { RETAILCRM_ERROR_CODES } from '@connector/retailcrm';

/**
 * Which failures are one upstream's outage rather than a problem of the order (or job) itself, and what
 * people are told about each. Failures of one outage in one connection share one incident (one task set)
 * that lists the orders it held up; the periodic incident check probes the upstream and, once it answers,
 * enqueues those orders again (see incidents.ts).
 */
export type OutageCause =
  | 'lifepos.unavailable'
  | 'lifepos.credentials'
  | 'retailcrm.unavailable'
  | 'retailcrm.key';

/** An outage's incident takes in the failures of its cause while its last failure is at most this old. */
export const OUTAGE_WINDOW_MS = 30 * 60_000;

/** Error codes (set by the clients, where the failure is understood) of each outage cause. */
const CODES: Record<OutageCause, readonly string[]> = {
  'lifepos.unavailable': [
    LIFEPOS_ERROR_CODES.serverError,
    LIFEPOS_ERROR_CODES.tryLater,
    LIFEPOS_ERROR_CODES.timeout,
    LIFEPOS_ERROR_CODES.network,
    LIFEPOS_ERROR_CODES.invalidJson,
    LIFEPOS_ERROR_CODES.noToken,
  ],
  'lifepos.credentials': [LIFEPOS_ERROR_CODES.invalidCredentials, LIFEPOS_ERROR_CODES.unauthorized],
  'retailcrm.unavailable': [
    RETAILCRM_ERROR_CODES.network,
    RETAILCRM_ERROR_CODES.timeout,
    RETAILCRM_ERROR_CODES.serverError,
  ],
  'retailcrm.key': [RETAILCRM_ERROR_CODES.auth],
};

const CAUSE_OF_CODE = new Map(
  Object.entries(CODES).flatMap(([cause, codes]) => codes.map((code) => [code, cause as OutageCause])),
);

export function outageOf(error: unknown): OutageCause | undefined {
  return error instanceof ConnectorError ? CAUSE_OF_CODE.get(error.code) : undefined;
}

/** Which upstream answers the probe of a cause. */
export function upstreamOf(cause: OutageCause): 'lifepos' | 'retailcrm' {
  return cause.startsWith('lifepos.') ? 'lifepos' : 'retailcrm';
}

/** What people read about an outage: the task title, the problem, and what to do (or that nothing is needed). */
export const OUTAGE_TEXT: Record<OutageCause, { title: string; problem: string; todo: string }> = {
  'lifepos.unavailable': {
    title: 'LIFE POS недоступен',
    problem: 'LIFE POS не отвечал или отвечал ошибкой сервера дольше, чем коннектор повторяет задания.',
    todo:
      'Ничего делать не нужно: коннектор сам проверяет LIFE POS и, как только он снова ответит, повторит ' +
      'перечисленные заказы, а эта задача закроется. Если LIFE POS недоступен больше часа, сообщите в поддержку LIFE POS.',
  },
  'lifepos.credentials': {
    title: 'LIFE POS не принимает вход коннектора',
    problem: 'LIFE POS отклонил телефон и пароль сотрудника из настроек коннектора.',
    todo:
      'Проверьте в настройках коннектора телефон и пароль сотрудника LIFE POS (активный Владелец или ' +
      'Администратор) и сохраните их. Когда вход снова заработает, коннектор сам повторит перечисленные заказы, ' +
      'а эта задача закроется.',
  },
  'retailcrm.unavailable': {
    title: 'RetailCRM недоступен',
    problem: 'RetailCRM не отвечал или отвечал ошибкой сервера дольше, чем коннектор повторяет задания.',
    todo:
      'Ничего делать не нужно: коннектор сам проверяет RetailCRM и, как только он снова ответит, повторит ' +
      'перечисленные заказы, а эта задача закроется.',
  },
  'retailcrm.key': {
    title: 'RetailCRM не принимает API-ключ коннектора',
    problem: 'RetailCRM отклонил API-ключ из настроек коннектора: ключ удалён, заменён или отключён.',
    todo:
      'Проверьте ключ в RetailCRM («Интеграция → Ключи доступа к API») и в настройках коннектора; при замене ' +
      'ключа сохраните новый в настройках. Когда ключ снова заработает, коннектор сам повторит перечисленные ' +
      'заказы, а эта задача закроется.',
  },
};

export const ORDER_QUEUES = ['order-export', 'order-cancel', 'order-refund'] as const;
export type OrderQueue = (typeof ORDER_QUEUES)[number];

export function isOrderQueue(queue: string): queue is OrderQueue {
  return (ORDER_QUEUES as readonly string[]).includes(queue);
}

/** The payload as the queue's schema reads it; undefined when it does not (a malformed job). */
function parsedPayload(queue: QueueName, data: unknown): unknown {
  const parsed = jobOf(queue).schema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Jobs that run by schedule (the periodic kinds of their definition: the history scan and the sweep, the
 * LIFE POS checks, the scheduled sync): the next period runs again anyway, so a transient failure is
 * reported only once it has lasted long (see `PERIODIC_FAILURE_GRACE_MINUTES`).
 */
export function isPeriodicJob(queue: QueueName, data: unknown): boolean {
  const payload = parsedPayload(queue, data);
  return payload !== undefined && periodicKindOf(jobOf(queue), payload) !== undefined;
}

/** Transient: worth waiting out (network, 5xx, timeouts, rate limits), as opposed to a person's problem. */
export function isTransient(error: unknown): boolean {
  return errorKind(error) !== 'permanent';
}

export interface JobSubject {
  connectionId?: string;
  orderId?: number;
  /** `order:<id>`, or the job's scope (`retailcrm-history`, `all`, `store:<code>`, `sales`, …). */
  subject: string;
}

/**
 * What a job is about, as its definition says (`subject`): its order, or its scope; `connection` when its
 * payload names nothing narrower (or is malformed).
 */
export function subjectOfJob(queue: QueueName, data: unknown): JobSubject {
  const fields = (data ?? {}) as Record<string, unknown>;
  const connectionId = typeof fields.connectionId === 'string' ? fields.connectionId : undefined;
  const orderId = typeof fields.orderId === 'number' ? fields.orderId : undefined;
  const payload = parsedPayload(queue, data);
  const subject =
    payload !== undefined
      ? jobOf(queue).subject(payload)
      : orderId !== undefined
        ? `order:${orderId}`
        : 'connection';
  return {
    ...(connectionId ? { connectionId } : {}),
    ...(orderId !== undefined ? { orderId } : {}),
    subject,
  };
}

/** A periodic job to run now: its queue, the payload its schedule gives it, and the dedupe id of a one-off run. */
export type PeriodicRun = {
  [Q in QueueName]: { queue: Q; data: JobData<Q>; options: AddOptions };
}[QueueName];

/**
 * The inverse of `subjectOfJob` for periodic jobs: the job a subject names, with the payload its schedule
 * runs it with and the dedupe id the apps use for a run on demand (both from the job's definition), so that
 * requests while one waits collapse into it. Undefined for any other subject.
 */
export function periodicRunOf(queue: string, subject: string, connectionId: string): PeriodicRun | undefined {
  if (!isQueueName(queue)) return undefined;
  const periodic = jobOf(queue).periodic;
  const kind = periodic !== undefined && Object.hasOwn(periodic, subject) ? periodic[subject] : undefined;
  if (kind === undefined) return undefined;
  return {
    queue,
    data: kind.data(connectionId),
    options: { dedupeId: kind.dedupeId(connectionId) },
  } as PeriodicRun;
}
