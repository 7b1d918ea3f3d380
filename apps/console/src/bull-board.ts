import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler, Router } from 'express';
import { DEFAULT_TIME_ZONE, zoneName } from './i18n.js';
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
        // Its times are in the default zone, named here: a connection's own pages use its account's zone.
        boardTitle: `RetailCRM ⇄ LIFE POS · время ${zoneName(DEFAULT_TIME_ZONE)}`,
        showMetrics: true,
        hideDocsLink: true,
        locale: { lng: 'ru-RU' },
        miscLinks: [{ text: 'Консоль', url: '/connections' }],
        boardLogo: { path: '/favicon.ico', width: 28, height: 28 },
        favIcon: { default: '/favicon.ico', alternative: '/favicon.ico' },
        // Bull Board formats its dates with these Intl options.
        dateFormats: {
          short: { hour: 'numeric', minute: 'numeric', second: 'numeric', timeZone: DEFAULT_TIME_ZONE },
          common: {
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: '2-digit',
            second: '2-digit',
            timeZone: DEFAULT_TIME_ZONE,
          },
          full: {
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: '2-digit',
            second: '2-digit',
            timeZone: DEFAULT_TIME_ZONE,
          },
        },
      },
    },
  });
  return serverAdapter.getRouter() as Router;
}

/**
 * Bull Board's page as it ships loads its web font from Google Fonts and draws its loading placeholder with
 * inline styles: the console's CSP allows neither (no request to another host, no inline code). The font is
 * dropped (its CSS falls back to the system sans-serif) and the placeholder keeps its text.
 */
export function selfContainedPage(page: string): string {
  return page
    .replace(/<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>/gi, '')
    .replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, '')
    .replace(/\sstyle="[^"]*"/gi, '');
}

/** Rewrites the HTML page Bull Board renders (its JSON and static files pass untouched). */
export function bullBoardPageRewrite(): RequestHandler {
  return (_req, res, next) => {
    // An own property over the response prototype, which Bull Board's mounted app swaps: once called, it
    // steps aside so the send of whichever prototype is current does the work.
    res.send = (body?: unknown) => {
      Reflect.deleteProperty(res, 'send');
      const page =
        typeof body === 'string' && /^\s*<!DOCTYPE html/i.test(body) ? selfContainedPage(body) : body;
      return res.send(page);
    };
    next();
  };
}
