export { escapeHtml, Html, type HtmlValue, html, unsafeRaw } from './html.js';
