import type { Database } from '@connector/db';
import type { Logger } from '@connector/logger';
import type { Express } from 'express';
import type { ConnectionService } from '../connection-service.js';
import { createSecretKeeper } from '../kept-secrets.js';
import type { ConsoleQueues } from '../queues.js';
import { connectionRouter } from './connection-routes.js';
import { connectionsRouter } from './connections-routes.js';
import { timelineRouter } from './timeline-routes.js';

export { pageContext, sendPage } from './page-support.js';

export interface PageRoutesDeps {
  db: Database;
  service: ConnectionService;
  queues: ConsoleQueues;
  logger: Logger;
}

/** The connection pages, one router each: the list, a connection's form and actions, an order's timeline. */
export function registerPageRoutes(app: Express, deps: PageRoutesDeps): void {
  app.use(connectionsRouter(deps), connectionRouter(deps, createSecretKeeper(deps.db)), timelineRouter(deps));
}
