import type { IncidentListFilter } from '@connector/db';
import { ConnectorError } from '@connector/domain';
import { closeIncidentByHand, OUTAGE_TEXT, redriveSubjects } from '@connector/incidents';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { t } from '../i18n.js';
import {
  INCIDENT_AGES,
  type IncidentAge,
  type IncidentFilterValues,
  incidentsPage,
} from '../pages/incidents-page.js';
import {
  backTo,
  connectionNames,
  cursorOf,
  cursorText,
  type Notice,
  type OperationsDeps,
  setNotice,
  takeNotice,
  UUID,
} from './operations-support.js';
import { pageContext, sendPage } from './page-support.js';

const PAGE_SIZE = 20;

function filterOf(query: Request['query']): IncidentFilterValues {
  const status = query.status === 'resolved' || query.status === 'all' ? query.status : 'open';
  const connection =
    typeof query.connection === 'string' && UUID.test(query.connection) ? query.connection : '';
  const cause =
    typeof query.cause === 'string' && (query.cause === 'other' || Object.hasOwn(OUTAGE_TEXT, query.cause))
      ? query.cause
      : '';
  const age: IncidentAge =
    typeof query.age === 'string' && Object.hasOwn(INCIDENT_AGES, query.age)
      ? (query.age as IncidentAge)
      : 'all';
  return { status, connection, cause, age };
}

function listFilter(values: IncidentFilterValues, now: number): IncidentListFilter {
  return {
    status: values.status,
    ...(values.connection && { connectionId: values.connection }),
    ...(values.cause && { cause: values.cause }),
    ...(values.age !== 'all' && { since: new Date(now - INCIDENT_AGES[values.age]) }),
  };
}

type IncidentsDeps = Pick<OperationsDeps, 'db' | 'producer' | 'runtime' | 'logger'>;

function listIncidents({ db }: IncidentsDeps): RequestHandler {
  return async (req, res) => {
    const ctx = pageContext(req);
    const values = filterOf(req.query);
    const after = cursorOf(req.query.after);
    const [connections, page] = await Promise.all([
      connectionNames(db),
      db.incidents.listPage(listFilter(values, Date.now()), {
        limit: PAGE_SIZE,
        ...(after && { after: { createdAt: after.at, id: after.id } }),
      }),
    ]);
    const nextQuery = page.next
      ? new URLSearchParams({ ...values, after: cursorText(page.next.createdAt, page.next.id) }).toString()
      : undefined;
    sendPage(
      res,
      incidentsPage(ctx, {
        filter: values,
        connections,
        incidents: page.incidents,
        nextQuery,
        notice: takeNotice(req, ctx),
      }),
    );
  };
}

async function incidentOf({ db }: IncidentsDeps, req: Request, res: Response) {
  const id = String(req.params.id);
  const incident = UUID.test(id) ? await db.incidents.get(id) : null;
  if (!incident) res.status(404).type('text').send('Not found');
  return incident;
}

/** What «Повторить сейчас» says: how many jobs went back to their queues, or that there was nothing. */
function retriedNotice(count: number): Notice {
  return count > 0
    ? {
        kind: 'ok',
        text: t(
          `Задания поставлены в очередь заново: ${count}. Инцидент закроется сам, когда они выполнятся.`,
          `Jobs enqueued again: ${count}. The incident resolves itself once they succeed.`,
        ),
      }
    : {
        kind: 'error',
        text: t(
          'Повторять нечего: у инцидента нет ожидающих заказов или заданий. Закройте его, если причина устранена.',
          'Nothing to retry: the incident has no pending orders or jobs. Close it if the cause is fixed.',
        ),
      };
}

/** «Повторить сейчас»: the incident's pending orders and jobs go back to their queues. */
function retryIncident(deps: IncidentsDeps): RequestHandler {
  const { db, producer, runtime, logger } = deps;
  return async (req, res) => {
    const incident = await incidentOf(deps, req, res);
    if (!incident) return;
    const back = backTo(req.body?.back, '/incidents');
    if (incident.status === 'resolved') {
      setNotice(req, { kind: 'ok', text: t('Инцидент уже решён.', 'The incident is already resolved.') });
      res.redirect(303, back);
      return;
    }
    try {
      const tenant = await runtime.open(incident.connectionId);
      const pending = await db.incidents.pendingSubjects(incident.id);
      const redriven = await redriveSubjects({ db, producer }, tenant, incident, pending, {
        source: 'manual',
        message: 'Повторено вручную из консоли: задание поставлено в очередь заново',
      });
      logger.info('incident retried from the console', { incidentId: incident.id, jobs: redriven.length });
      setNotice(req, retriedNotice(redriven.length));
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      setNotice(req, { kind: 'error', text: t(error.userMessage, error.message) });
    }
    res.redirect(303, back);
  };
}

/** «Закрыть»: resolved by hand, its RetailCRM tasks completed. */
function closeIncident(deps: IncidentsDeps): RequestHandler {
  const { db, producer, logger } = deps;
  return async (req, res) => {
    const incident = await incidentOf(deps, req, res);
    if (!incident) return;
    const closed = await closeIncidentByHand({ db, producer, logger }, incident.id);
    if (closed) logger.info('incident closed from the console', { incidentId: incident.id });
    setNotice(req, {
      kind: 'ok',
      text: closed
        ? t(
            closed.taskIds.length > 0
              ? 'Инцидент закрыт; его задачи в RetailCRM будут закрыты.'
              : 'Инцидент закрыт.',
            closed.taskIds.length > 0
              ? 'The incident is closed; its RetailCRM tasks will be completed.'
              : 'The incident is closed.',
          )
        : t('Инцидент уже решён.', 'The incident is already resolved.'),
    });
    res.redirect(303, backTo(req.body?.back, '/incidents'));
  };
}

/** «Инциденты»: open and resolved incidents with their orders and tasks; «Повторить сейчас», «Закрыть». */
export function incidentsRouter(deps: OperationsDeps): Router {
  const router = Router();
  router.get('/incidents', listIncidents(deps));
  router.post('/incidents/:id/retry', retryIncident(deps));
  router.post('/incidents/:id/close', closeIncident(deps));
  return router;
}
