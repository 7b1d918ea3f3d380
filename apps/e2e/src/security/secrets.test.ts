// Security, secrets: after a full run — a connection created through the console with live checks (one of them
// with wrong credentials), an export, a LIFE POS payment written back by the webhook worker, upstream failures
// that make jobs retry, a refund that fails into RetailCRM tasks — the RetailCRM API key, the LIFE POS
// password, every LIFE POS bearer token the simulator issued during the run and the connection's notification
// token are nowhere in plaintext: not in any app's log, not in any job, not in any Redis key or value, not in
// any table row. The counts of what was searched are printed.
import { randomBytes } from 'node:crypto';
import { saleMetaFor } from '@connector/domain';
import { createLogger } from '@connector/logger';
import { seedTenant, type Tenant, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { CONSOLE_PASSWORD, CONSOLE_USER, type Stack, startStack } from '../stack.js';
import { type CapturedLogs, captureLogs } from './captured-logs.js';
import { databaseDump, entriesContaining, jobDump, redisDump } from './stored-state.js';

/** Distinctive values (LIFE POS passwords have at most 32 characters): nothing else could contain them. */
const secret = (label: string) => `${label}${randomBytes(12).toString('hex')}`;
const API_KEY = secret('rcKey');
const PASSWORD = secret('lpPw');
/** Given to a check that fails: rejected credentials must not be kept or logged either. */
const WRONG_API_KEY = secret('rcBad');
const WRONG_PASSWORD = secret('lpBad');

let logs: CapturedLogs;
let stack: Stack;
let redis: Redis;

beforeAll(async () => {
  logs = captureLogs();
  stack = await startStack({ webhook: true, console: true, logger: logs.logger });
  redis = new Redis(stack.env.REDIS_URL!, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await redis?.quit();
  await stack?.close();
});

const basic = `Basic ${Buffer.from(`${CONSOLE_USER}:${CONSOLE_PASSWORD}`).toString('base64')}`;

function consoleApi(path: string, body: unknown, method = 'POST'): Promise<Response> {
  return fetch(`${stack.console!.url}/api/connections${path}`, {
    method,
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
}

function connectionInput(tenant: Tenant, overrides: Record<string, unknown> = {}) {
  const { settings, ...fields } = tenant.connection;
  return { ...fields, settings: { ...settings, rateLimits: { lifeposPerSecond: 15 } }, ...overrides };
}

const report = createLogger({ service: 'secrets-scan', level: 'info' });

type Found = Record<'logs' | 'jobs' | 'redis' | 'database', readonly string[]>;

/** Every place where a secret (or its first or last 16 characters) was found, with the entries holding it. */
function leaksOf(secrets: Record<string, string>, found: Found) {
  const leaks: { secret: string; where: string; needle: string; entries: string[] }[] = [];
  for (const [secret, value] of Object.entries(secrets)) {
    // Also a leading or trailing part of it ("a key starting with…", a truncated value).
    for (const [part, needle] of Object.entries({
      whole: value,
      head: value.slice(0, 16),
      tail: value.slice(-16),
    })) {
      for (const [where, entries] of Object.entries(found)) {
        const holding = entriesContaining(entries, needle);
        if (holding.length > 0) leaks.push({ secret, where, needle: part, entries: holding });
      }
    }
  }
  return leaks;
}

describe('secrets after a full run', () => {
  it('no API key, password, LIFE POS token or notification token in any log, job, Redis key or table row', async () => {
    const { sandbox } = stack;
    const tenant = await seedTenant(sandbox, {
      ingressUrl: stack.triggerUrl,
      apiKey: API_KEY,
      lifepos: { password: PASSWORD },
    });
    expect([tenant.apiKey, tenant.password]).toEqual([API_KEY, PASSWORD]);

    // Wrong credentials first: a check, then a save that keeps them in a draft; both accounts say "no".
    const wrong = connectionInput(tenant, {
      retailcrmApiKey: WRONG_API_KEY,
      lifeposPassword: WRONG_PASSWORD,
    });
    const rejected = await consoleApi('/check', wrong);
    expect(rejected.status).toBe(200);
    expect(((await rejected.json()) as { checks: { ok: boolean } }).checks.ok).toBe(false);
    const drafted = await consoleApi('', wrong);
    expect(drafted.status).toBe(422);
    const { connection } = (await drafted.json()) as { connection: { id: string; status: string } };
    expect(connection.status).toBe('draft');

    // Then the right ones: the same connection is checked again, stored and activated.
    const fixed = await consoleApi(`/${connection.id}`, connectionInput(tenant), 'PATCH');
    expect(fixed.status).toBe(200);
    expect(((await fixed.json()) as { connection: { status: string } }).connection.status).toBe('active');

    // The workers must sign in to LIFE POS with the password again, and both upstreams fail once: the
    // error paths (logs of failed calls, failed attempts in the jobs) are where secrets usually leak.
    expect(sandbox.lifepos.expireTokens(tenant.phone)).toBeGreaterThan(0);
    sandbox.faults.add({ system: 'lifepos', method: 'POST', path: 'sign-in', errorRate: 1, count: 1 });
    sandbox.faults.add({
      system: 'retailcrm',
      method: 'GET',
      path: '^/api/v5/orders/\\d+$',
      errorRate: 1,
      errorStatus: 503,
      count: 1,
    });

    const store = tenant.stores[0]!.code;
    const paid = tenant.createOrder({ store });
    const unpaid = tenant.createOrder({
      store,
      payments: [{ type: tenant.paymentTypes.cash, status: tenant.paymentStatuses.paid }],
    });
    for (const order of [paid, unpaid]) {
      sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.send);
    }
    const saleOf = (orderId: number) =>
      sandbox.lifepos.sales(tenant.orgId).find(({ sale }) => sale.meta === saleMetaFor(orderId))?.sale;
    const sale = await waitFor(() => saleOf(paid.id), { what: 'the exported sale', timeoutMs: 30_000 });
    await waitFor(() => saleOf(unpaid.id), { what: 'the second exported sale', timeoutMs: 30_000 });
    expect(sandbox.faults.list().every((rule) => rule.applied === rule.count)).toBe(true);

    // A payment in LIFE POS comes back into RetailCRM through the notification and the webhook worker.
    sandbox.lifepos.takePayment(tenant.orgId, sale.guid, { cash: sale.total_sum.value });
    await waitFor(
      () => {
        const payments = Object.values(
          (sandbox.retailcrm.getOrder(tenant.accountCode, paid.id)?.payments ?? {}) as Record<
            string,
            { status: string }
          >,
        );
        return payments.some((payment) => payment.status === tenant.paymentStatuses.paid);
      },
      { what: 'the payment written back to RetailCRM', timeoutMs: 20_000 },
    );

    // A refund of an order LIFE POS took no money for fails for good: a task for each error-group member.
    const paymentId = Number(
      Object.keys(sandbox.retailcrm.getOrder(tenant.accountCode, unpaid.id)!.payments as object)[0],
    );
    sandbox.retailcrm.setPaymentStatus(tenant.accountCode, paymentId, tenant.paymentStatuses.returned);
    await waitFor(
      () =>
        sandbox.retailcrm
          .tasks(tenant.accountCode)
          .filter((task) => (task.order as { id?: number } | undefined)?.id === unpaid.id).length ===
        tenant.errorGroup.activeUserIds.length,
      { what: 'the error tasks', timeoutMs: 20_000 },
    );
    await sandbox.lifepos.notificationsIdle();

    const found = {
      logs: logs.lines(),
      jobs: await jobDump(redis, stack.env.QUEUE_PREFIX!),
      redis: await redisDump(redis, stack.env.QUEUE_PREFIX!),
      database: await databaseDump(stack.db),
    };

    // The search is not vacuous: every app logged, and the dumps hold this tenant's run.
    expect([...logs.services()].sort()).toEqual(
      expect.arrayContaining([
        'cancel-worker',
        'console',
        'export-worker',
        'ingress',
        'refund-worker',
        'sync-worker',
        'webhook-worker',
      ]),
    );
    expect(entriesContaining(found.logs, '"level":"error"').length).toBeGreaterThan(0);
    expect(entriesContaining(found.jobs, `orderId\\":${unpaid.id}`).length).toBeGreaterThan(0);
    expect(entriesContaining(found.jobs, '"failedReason":"').length).toBeGreaterThan(0);
    expect(entriesContaining(found.redis, connection.id).length).toBeGreaterThan(0);
    expect(entriesContaining(found.database, tenant.orgId).length).toBeGreaterThan(0);
    expect(entriesContaining(found.database, 'retailcrmApiKeyEnc').length).toBe(1);

    // The LIFE POS bearer tokens the simulator issued during the run (the console's checks, the workers'
    // sign-ins before and after the expiry) and the token of the notification URL LIFE POS was given.
    const bearerTokens = sandbox.lifepos.issuedTokens(tenant.phone);
    expect(bearerTokens.length).toBeGreaterThanOrEqual(2);
    const subscribedUrl = sandbox.lifepos.subscription(tenant.orgId)?.primary_url_for_notifications ?? '';
    const notificationToken = decodeURIComponent(subscribedUrl.split('/').pop() ?? '');
    expect(notificationToken).toBe((await stack.db.connections.get(connection.id))?.notificationToken);
    // Still where they work: what is searched for is what the connector holds.
    expect(entriesContaining(found.redis, `:token:lifepos:${connection.id}`).length).toBe(1);

    const secrets: Record<string, string> = {
      retailcrmApiKey: API_KEY,
      lifeposPassword: PASSWORD,
      rejectedRetailcrmApiKey: WRONG_API_KEY,
      rejectedLifeposPassword: WRONG_PASSWORD,
      notificationToken,
      ...Object.fromEntries(bearerTokens.map((token, index) => [`lifeposBearerToken${index + 1}`, token])),
    };
    const leaks = leaksOf(secrets, found);
    report.info('secrets scan counts', {
      secretsChecked: Object.keys(secrets).length,
      bearerTokens: bearerTokens.length,
      redisKeys: found.redis.length,
      jobs: found.jobs.length,
      rows: found.database.length,
      logLines: found.logs.length,
      leaks: leaks.length,
    });
    expect(leaks).toEqual([]);
  });
});
