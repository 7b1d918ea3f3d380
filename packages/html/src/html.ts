/**
 * Escaped HTML templates, shared by every server-rendered page (the console, the sandbox's page): every
 * interpolated value is HTML-escaped unless it is already `Html` (the result of another `html` template or of
 * `unsafeRaw`, used only for constant markup), so data typed by shop staff, customers or cashiers can never
 * become markup. Arrays are rendered item by item; null, undefined and false render nothing, so
 * `${cond && html`…`}` reads naturally.
 */
export class Html {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char] ?? char);
}

/** What a template may interpolate: markup, text and numbers, and lists of them. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  for (let index = 0; index < values.length; index += 1) {
    out += render(values[index]!) + (strings[index + 1] ?? '');
  }
  return new Html(out);
}

/** Constant markup from this code base only (a page's fixed CSS and script); never call it with data. */
export function unsafeRaw(markup: string): Html {
  return new Html(markup);
}
