import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Router } from 'express';
import type { ConsoleQueues } from './queues.js';

export const BULL_BOARD_PATH = '/admin/queues';

/** Bull Board over every queue of the catalog, metrics shown; the console mounts it behind its login. */
export function bullBoardRouter(queues: ConsoleQueues): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: [...queues.byName.values()].map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'RetailCRM ⇄ LIFE POS',
        showMetrics: true,
        hideDocsLink: true,
        locale: { lng: 'ru-RU' },
        miscLinks: [{ text: 'Консоль', url: '/connections' }],
      },
    },
  });
  return serverAdapter.getRouter() as Router;
}
