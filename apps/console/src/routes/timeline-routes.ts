import { Router } from 'express';
import { connectionName } from '../connection-service.js';
import { zoneOf } from '../i18n.js';
import { timelinePage } from '../pages/timeline-page.js';
import { timelineNames } from '../timeline/timeline-names.js';
import type { PageRoutesDeps } from './page-routes.js';
import { notFound, pageContext, sendPage } from './page-support.js';

const ORDER_ID_MAX = 2_147_483_647;

function orderIdOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) return undefined;
  const id = Number(value);
  return id >= 1 && id <= ORDER_ID_MAX ? id : undefined;
}

/** An order's timeline: its link, what happened to it, its incidents. */
export function timelineRouter({ db }: PageRoutesDeps): Router {
  const router = Router();

  router.get('/connections/:id/orders/:orderId', async (req, res) => {
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

  return router;
}
