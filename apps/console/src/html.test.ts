import { describe, expect, it } from '@jest/globals';
import { escapeHtml, html } from './html.js';

describe('html', () => {
  it('escapes every interpolated value', () => {
    const evil = `"><script>alert('x')</script>&`;
    expect(html`<input value="${evil}">`.value).toBe(
      '<input value="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">',
    );
  });

  it('keeps nested templates, renders arrays and skips empty values', () => {
    const items = ['a<b', 'c'];
    const out = html`<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>${null}${undefined}${false}${0}`;
    expect(out.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>0');
  });

  it('escapes backticks and single quotes for attribute contexts', () => {
    expect(escapeHtml("`'")).toBe('&#96;&#39;');
  });
});
