import { type Html, html } from '@connector/html';
import { DEFAULT_TIME_ZONE, type Locale, type Text, zoneName } from '../i18n.js';

/** What every page needs besides its own data. */
export interface PageContext {
  locale: Locale;
  /** The session's CSRF token for the page's forms (undefined when there is no session). */
  csrf: string | undefined;
  signedIn: boolean;
  /** The current path with its query, for the language switch to come back to. */
  path: string;
}

/** The text in the page's language. */
export const tr = (ctx: PageContext, text: Text): string => text[ctx.locale];
/** Bilingual text inline: Russian first. */
export const say = (ctx: PageContext, ru: string, en: string): string => (ctx.locale === 'ru' ? ru : en);

/** What a page of several connections' times says about them (a time in another zone has its offset). */
export const zoneNote = (ctx: PageContext): Html =>
  html`<p class="muted small" id="time-zone">${say(
    ctx,
    `Время — в часовом поясе аккаунта RetailCRM каждого подключения; без пометки — ${zoneName(DEFAULT_TIME_ZONE)}.`,
    `Times are in each connection's RetailCRM account time zone; unmarked ones are ${zoneName(DEFAULT_TIME_ZONE)}.`,
  )}</p>`;

export const csrfField = (ctx: PageContext): Html =>
  html`<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}">`;

function nav(ctx: PageContext): Html {
  const other: Locale = ctx.locale === 'ru' ? 'en' : 'ru';
  const langLink = html`<a href="/lang/${other}?next=${encodeURIComponent(ctx.path)}" hreflang="${other}" lang="${other}">${other === 'en' ? 'English' : 'Русский'}</a>`;
  if (!ctx.signedIn) return html`<nav aria-label="${say(ctx, 'Язык', 'Language')}">${langLink}</nav>`;
  return html`<nav aria-label="${say(ctx, 'Разделы', 'Sections')}">
    <a href="/connections">${say(ctx, 'Подключения', 'Connections')}</a>
    <a href="/orders">${say(ctx, 'Заказы', 'Orders')}</a>
    <a href="/incidents">${say(ctx, 'Инциденты', 'Incidents')}</a>
    <a href="/admin/queues">${say(ctx, 'Очереди', 'Queues')}</a>
    ${langLink}
    <form method="post" action="/logout" class="inline">${csrfField(ctx)}<button type="submit" class="link">${say(ctx, 'Выйти', 'Sign out')}</button></form>
  </nav>`;
}

export function layout(ctx: PageContext, title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="${ctx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} — RetailCRM ⇄ LIFE POS</title>
<link rel="stylesheet" href="/assets/console.css">
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<script src="/assets/console.js" defer></script>
</head>
<body>
<header><a class="brand" href="/connections">RetailCRM ⇄ LIFE POS</a>${nav(ctx)}</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}
