import type { Html } from '@connector/html';
import type { Request, Response } from 'express';
import { csrfToken, isSignedIn } from '../console-auth.js';
import { DEFAULT_LOCALE, isLocale } from '../i18n.js';
import type { PageContext } from '../pages/layout.js';
import { messagePage } from '../pages/login-page.js';

/** What every page's router shares: the page's context from the session, sending a page, «Не найдено». */
export function pageContext(req: Request): PageContext {
  const locale = isLocale(req.session?.locale) ? req.session.locale : DEFAULT_LOCALE;
  return {
    locale,
    csrf: req.session ? csrfToken(req) : undefined,
    signedIn: isSignedIn(req),
    path: req.originalUrl,
  };
}

export function sendPage(res: Response, page: Html, status = 200): void {
  res.status(status).type('html').send(page.value);
}

export function notFound(req: Request, res: Response): void {
  const ctx = pageContext(req);
  sendPage(
    res,
    messagePage(
      ctx,
      ctx.locale === 'ru' ? 'Не найдено' : 'Not found',
      ctx.locale === 'ru' ? 'Такой страницы нет.' : 'There is no such page.',
      {
        href: '/connections',
        text: ctx.locale === 'ru' ? 'К подключениям' : 'To the connections',
      },
    ),
    404,
  );
}
