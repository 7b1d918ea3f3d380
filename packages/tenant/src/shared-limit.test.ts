// Shared rate limits: under a backlog, clients in two processes sharing the Redis rate limiter never make the
// simulators answer 503 (RetailCRM, 10 req/s per account) or 429 (LIFE POS).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Sandbox, seedTenant, startTestSandbox, testRedisUrl, uniquePrefix } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const run = promisify(execFile);
const contender = fileURLToPath(new URL('./testing/limit-contender.ts', import.meta.url));

describe('a rate limit shared across processes', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('keeps a backlog from two processes under both upstream limits', async () => {
    const tenant = await seedTenant(sandbox, { lifepos: { rateLimit: { enabled: true, perSecond: 5 } } });
    const input = {
      redisUrl: testRedisUrl(),
      prefix: `{${uniquePrefix('limit')}}`,
      retailcrmUrl: tenant.baseUrl,
      apiKey: tenant.apiKey,
      lifeposUrl: sandbox.lifeposUrl,
      orgId: tenant.orgId,
      phone: tenant.phone,
      password: tenant.password,
      calls: 15,
    };
    sandbox.requestLog.clear();
    const processes = [1, 2].map(() =>
      run(process.execPath, ['--conditions=source', '--import', 'tsx', contender, JSON.stringify(input)], {
        env: { ...process.env, NODE_OPTIONS: '' },
        timeout: 60_000,
      }),
    );
    const results = (await Promise.all(processes)).map(
      ({ stdout }) =>
        JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { done: number; deferrals: number },
    );

    expect(results.map((r) => r.done)).toEqual([15, 15]);
    // The backlog was real: the limiter had to hold callers back.
    expect(results.reduce((sum, r) => sum + r.deferrals, 0)).toBeGreaterThan(0);
    const retailcrmCalls = sandbox.requestLog.list({ system: 'retailcrm', tenant: tenant.accountCode });
    const lifeposCalls = sandbox.requestLog.list({ system: 'lifepos' });
    expect(retailcrmCalls.filter((r) => r.path.endsWith('/orders/statuses'))).toHaveLength(30);
    expect(retailcrmCalls.filter((r) => r.status === 503 || r.status === 429)).toEqual([]);
    expect(lifeposCalls.filter((r) => r.status === 429)).toEqual([]);
    expect(lifeposCalls.filter((r) => r.path.endsWith('/me') && r.status === 200)).toHaveLength(30);
  });
});
