// Security, SSRF through the settings: the RetailCRM address comes from a form, so the console's JSON API
// (`POST /api/connections/check` and create) must refuse every address that is not a RetailCRM account —
// with a message saying why — before any request is made to it.
import { randomUUID } from 'node:crypto';
import { type RunningConsole, startConsole } from '@connector/console';
import { seedTenant, type Tenant } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CONSOLE_PASSWORD, CONSOLE_USER, quietLogger, type Stack, startStack } from '../stack.js';

let stack: Stack;
/** The stack's console: RetailCRM accounts of the simulator (`127.0.0.1:*`) are allowed. */
let local: RunningConsole;
/** A console configured as production is: RETAILCRM_ALLOWED_HOSTS left at the SaaS domains. */
let production: RunningConsole;
let tenant: Tenant;

beforeAll(async () => {
  stack = await startStack({ console: true });
  local = stack.console!;
  production = await startConsole({
    host: '127.0.0.1',
    env: {
      ...stack.env,
      RETAILCRM_ALLOWED_HOSTS: undefined,
      PUBLIC_URL: 'https://connector.example.test',
      CONSOLE_USER,
      CONSOLE_PASSWORD,
    },
    logger: quietLogger('console'),
  });
  tenant = await seedTenant(stack.sandbox, {
    lifepos: { rateLimit: { enabled: false } },
    retailcrm: { rateLimit: { enabled: false } },
  });
});
afterAll(async () => {
  await production?.close();
  await stack?.close();
});

const basic = `Basic ${Buffer.from(`${CONSOLE_USER}:${CONSOLE_PASSWORD}`).toString('base64')}`;

interface CheckLine {
  id: string;
  status: string;
  message: string;
}

async function post(app: RunningConsole, path: string, body: unknown) {
  const response = await fetch(`${app.url}/api/connections${path}?lang=en`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return {
    status: response.status,
    // biome-ignore lint/suspicious/noExplicitAny: read field by field below
    body: (await response.json()) as any,
  };
}

/** The tenant's settings with another RetailCRM address (and, to create, an organization of its own). */
function input(retailcrmUrl: string, lifeposOrgId = tenant.orgId) {
  const { settings, ...fields } = tenant.connection;
  return {
    ...fields,
    lifeposOrgId,
    retailcrmUrl,
    settings: { ...settings, rateLimits: { retailcrmPerSecond: 100, lifeposPerSecond: 100 } },
  };
}

const retailcrmRequests = () => stack.sandbox.requestLog.count({ system: 'retailcrm' });

/** The address of the simulator's account, which the `local` console may reach. */
const account = () => new URL(tenant.baseUrl);

/** [address, the reason the refusal must name]. The production console allows only `.retailcrm.ru` & co. */
const refusedInProduction: [string, RegExp][] = [
  ['http://shop.retailcrm.ru', /plain http/],
  ['https://user@shop.retailcrm.ru', /user name or password/],
  ['https://user:secret@shop.retailcrm.ru', /user name or password/],
  ['https://10.0.0.1', /host 10\.0\.0\.1 is not in the allowed list/],
  ['https://169.254.169.254', /host 169\.254\.169\.254 is not in the allowed list/],
  ['https://[fd00::1]', /is not in the allowed list/],
  ['https://2130706433', /host 127\.0\.0\.1 is not in the allowed list/],
  ['https://shop.retailcrm.ru.evil.test', /host shop\.retailcrm\.ru\.evil\.test is not in the allowed list/],
  ['https://localhost', /host localhost is not in the allowed list/],
  ['https://shop.retailcrm.ru:8443', /is not in the allowed list/],
  ['https://shop.retailcrm.ru/api/v5', /path in the address/],
  ['https://shop.retailcrm.ru?apiKey=x', /query string in the address/],
  ['https://shop.retailcrm.ru#x', /fragment in the address/],
  ['https://shop.retailcrm.ru\\@evil.test', /user name or password|path in the address/],
];

/** Addresses of the simulator's account itself that must still be refused where `127.0.0.1:*` is allowed. */
const refusedLocally = (): [string, RegExp][] => {
  const { host, port } = account();
  return [
    [`http://${host}/api/v5`, /path in the address/],
    [`http://${host}/?apiKey=x`, /query string in the address/],
    [`http://user:pass@${host}`, /user name or password/],
    [`http://${host}@evil.test`, /user name or password/],
    [`http://localhost:${port}`, /is not in the allowed list/],
    [`http://[::ffff:127.0.0.1]:${port}`, /is not in the allowed list/],
  ];
};

describe('SSRF through the RetailCRM address of the settings', () => {
  it('the local console reaches the simulated account at its plain address (the control case)', async () => {
    const before = retailcrmRequests();
    const { status, body } = await post(local, '/check', input(tenant.baseUrl));
    expect(status).toBe(200);
    const line = (body.checks.lines as CheckLine[]).find((entry) => entry.id === 'retailcrm.account');
    expect(line?.status).toBe('ok');
    expect(retailcrmRequests()).toBeGreaterThan(before);
  });

  type Case = [name: string, app: RunningConsole, url: string, reason: RegExp];
  const cases = (): Case[] => [
    ...refusedInProduction.map(([url, reason]): Case => ['production', production, url, reason]),
    ...refusedLocally().map(([url, reason]): Case => ['local', local, url, reason]),
  ];

  it('the check refuses each address with its reason, without a request to it', async () => {
    const before = retailcrmRequests();
    for (const [name, app, url, reason] of cases()) {
      const { status, body } = await post(app, '/check', input(url));
      const line = (body.checks?.lines as CheckLine[] | undefined)?.find(
        (entry) => entry.id === 'retailcrm.account',
      );
      expect({ name, url, status, ok: body.checks?.ok, line }).toEqual({
        name,
        url,
        status: 200,
        ok: false,
        line: expect.objectContaining({
          status: 'error',
          message: expect.stringMatching(new RegExp(`not allowed: .*${reason.source}`)),
        }),
      });
      // Nothing that needs the account was tried.
      const skipped = (body.checks.lines as CheckLine[]).filter(
        (entry) => entry.id.startsWith('retailcrm.') && entry.id !== 'retailcrm.account',
      );
      expect(skipped.every((entry) => entry.status === 'skipped')).toBe(true);
    }
    expect(retailcrmRequests()).toBe(before);
  });

  it('creating a connection with such an address stores an inactive draft that names the reason', async () => {
    const before = retailcrmRequests();
    for (const [name, app, url, reason] of cases()) {
      const { status, body } = await post(app, '', input(url, randomUUID()));
      const line = (body.checks?.lines as CheckLine[] | undefined)?.find(
        (entry) => entry.id === 'retailcrm.account',
      );
      expect({ name, url, status, connection: body.connection?.status, line }).toEqual({
        name,
        url,
        status: 422,
        connection: 'draft',
        line: expect.objectContaining({
          status: 'error',
          message: expect.stringMatching(new RegExp(`not allowed: .*${reason.source}`)),
        }),
      });
    }
    expect(retailcrmRequests()).toBe(before);
    const active = (await stack.db.connections.list()).filter((connection) => connection.status === 'active');
    expect(active).toEqual([]);
  });

  it.each([
    'file:///etc/passwd',
    'gopher://127.0.0.1:6379/_INFO',
    'ftp://shop.retailcrm.ru',
    'javascript:alert(1)',
    '//shop.retailcrm.ru',
  ])('%s is not an address at all: 400 naming the field', async (url) => {
    const before = retailcrmRequests();
    for (const app of [production, local]) {
      const { status, body } = await post(app, '/check', input(url));
      expect({ status, fields: Object.keys(body.error?.details?.fields ?? {}) }).toEqual({
        status: 400,
        fields: ['retailcrmUrl'],
      });
    }
    expect(retailcrmRequests()).toBe(before);
  });
});
