// Test-only: a browser-like session with the console (fetch keeps no cookies), signing in through the login form.
import { expect } from '@jest/globals';
import { CONSOLE_PASSWORD, CONSOLE_USER } from '../stack.js';

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

export class ConsoleSession {
  private cookie = '';
  /** The CSRF token of the signed-in session (after `signIn`). */
  csrf = '';

  constructor(readonly baseUrl: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set('cookie', this.cookie);
    const response = await fetch(`${this.baseUrl}${path}`, { ...init, headers, redirect: 'manual' });
    const set = response.headers.getSetCookie()[0]?.split(';')[0];
    if (set) this.cookie = set;
    return response;
  }

  /** Posts the login form as a browser does (its CSRF token included); `headers` e.g. an X-Forwarded-For. */
  async submitLogin(user: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
    const page = await (await this.request('/login')).text();
    return this.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ _csrf: csrfOf(page), user, password }),
    });
  }

  /** Signs in as the stack's operator and keeps the session's CSRF token. */
  async signIn(): Promise<void> {
    const answer = await this.submitLogin(CONSOLE_USER, CONSOLE_PASSWORD);
    expect(answer.status).toBe(303);
    // The token of the signed-in session, from any page.
    const home = await (await this.request('/connections')).text();
    this.csrf = csrfOf(home);
    expect(this.csrf).not.toBe('');
  }
}
