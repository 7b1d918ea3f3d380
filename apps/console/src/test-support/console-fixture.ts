// Test-only (not built): the console started in-process against the sandbox simulators, a migrated
// database of the test file's own, a queue prefix of its own, and an HTTP client that keeps a session.
import { randomBytes } from 'node:crypto';
import { migrate } from '@connector/db';
import {
  createTestDatabase,
  type Sandbox,
  seedTenant,
  startTestSandbox,
  type Tenant,
  type TenantOptions,
  type TestDatabase,
  testRedisUrl,
  uniquePrefix,
} from '@connector/testkit';
import { type RunningConsole, startConsole } from '../console-app.js';

export const CONSOLE_USER = 'operator';
export const CONSOLE_PASSWORD = 'correct horse battery staple';
export const TRIGGER_URL = 'https://connector.example.com/retailCRM/update';
export const PUBLIC_URL = 'https://connector.example.com';

export interface ConsoleFixture {
  sandbox: Sandbox;
  database: TestDatabase;
  console: RunningConsole;
  prefix: string;
  /** A tenant in both simulators (with one order per store, so every store's legal entity is evident). */
  seed(options?: TenantOptions): Promise<Tenant>;
  /** Basic credentials of the JSON API. */
  basic: string;
  close(): Promise<void>;
}

export async function startConsoleFixture(env: Record<string, string> = {}): Promise<ConsoleFixture> {
  const sandbox = await startTestSandbox();
  const database = await createTestDatabase({ migrate: (url) => migrate(url) });
  const prefix = `{${uniquePrefix()}}`;
  const consoleApp = await startConsole({
    host: '127.0.0.1',
    env: {
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      SECRETS_KEY: randomBytes(32).toString('base64'),
      LIFEPOS_API_URL: sandbox.lifeposUrl,
      RETAILCRM_ALLOWED_HOSTS: '127.0.0.1:*',
      PUBLIC_URL,
      TRIGGER_URL,
      CONSOLE_USER,
      CONSOLE_PASSWORD,
      QUEUE_PREFIX: prefix,
      PORT: '0',
      NODE_ENV: 'development',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
      ...env,
    },
  });
  return {
    sandbox,
    database,
    console: consoleApp,
    prefix,
    basic: `Basic ${Buffer.from(`${CONSOLE_USER}:${CONSOLE_PASSWORD}`).toString('base64')}`,
    async seed(options = {}) {
      const tenant = await seedTenant(sandbox, options);
      for (const store of tenant.stores) tenant.createOrder({ store: store.code });
      return tenant;
    },
    async close() {
      await consoleApp.close();
      await sandbox.close();
      await database.drop();
    },
  };
}

/** The JSON API body for a seeded tenant (what the demo script sends). */
export function connectionBody(
  tenant: Tenant,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const { settings, ...fields } = tenant.connection;
  return { ...fields, settings, ...overrides };
}

/** Creates the tenant's connection through the JSON API, as the demo script does; the API's answer. */
export function postConnection(
  fx: Pick<ConsoleFixture, 'console' | 'basic'>,
  tenant: Tenant,
  overrides: Record<string, unknown> = {},
): Promise<Response> {
  return fetch(`${fx.console.url}/api/connections`, {
    method: 'POST',
    headers: { authorization: fx.basic, 'content-type': 'application/json' },
    body: JSON.stringify(connectionBody(tenant, overrides)),
  });
}

/** A cookie-keeping client for the HTML side (fetch does not keep cookies). */
export class Browserless {
  private cookies = new Map<string, string>();
  constructor(readonly baseUrl: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const response = await fetch(`${this.baseUrl}${path}`, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 0) continue;
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  }

  /** A urlencoded form post. */
  post(path: string, fields: Record<string, string | string[]>): Promise<Response> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
    }
    return this.request(path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  /** The CSRF token of a page's forms. */
  static csrfOf(page: string): string {
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    if (!token) throw new Error('the page has no CSRF token');
    return token;
  }

  async login(user = CONSOLE_USER, password = CONSOLE_PASSWORD): Promise<Response> {
    const page = await (await this.request('/login')).text();
    return this.post('/login', { _csrf: Browserless.csrfOf(page), user, password, next: '/connections' });
  }
}
