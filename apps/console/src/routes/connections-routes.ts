import type { QueueName } from '@connector/queue';
import { Router } from 'express';
import { publicConnection } from '../connection-service.js';
import { type ConnectionRow, connectionsPage } from '../pages/connections-page.js';
import { backlogByConnection, queueCounts } from '../queues.js';
import type { PageRoutesDeps } from './page-routes.js';
import { pageContext, sendPage } from './page-support.js';

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

/** «Подключения»: every connection with its open incidents and its jobs still in the queues. */
export function connectionsRouter({ db, queues, logger }: PageRoutesDeps): Router {
  const router = Router();

  router.get('/', (_req, res) => res.redirect(303, '/connections'));

  router.get('/connections', async (req, res) => {
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

  return router;
}
