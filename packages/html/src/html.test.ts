import { describe, expect, it } from '@jest/globals';
import { escapeHtml, html, unsafeRaw } from './html.js';

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

  it('escapes inside nested arrays and attributes alike', () => {
    const script = '<script>alert("x")</script>';
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${`"'&`}">${script}${inner}${[1, '<', null, undefined, false]}</p>`.value).toBe(
      '<p title="&quot;&#39;&amp;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<b>&lt;i&gt;</b>1&lt;</p>',
    );
    expect(escapeHtml('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes backticks and single quotes for attribute contexts', () => {
    expect(escapeHtml("`'")).toBe('&#96;&#39;');
  });

  it('passes constant markup through unescaped', () => {
    expect(html`${unsafeRaw('<style>a{}</style>')}`.value).toBe('<style>a{}</style>');
  });
});
