import { Writable } from 'node:stream';
import { createLogger, REDACTED } from '@connector/logger';
import { freePort, testRedisUrl } from '@connector/testkit';
import { afterAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import winston from 'winston';
import {
  createHttpApp,
  HttpError,
  type ReadinessCheck,
  redisReadiness,
  requestLogger,
  sqlReadiness,
} from './index.js';

function captureLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({
    service: 'http-test',
    level: 'debug',
    format: 'json',
    transports: [new winston.transports.Stream({ stream })],
  });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

const accessLogs = (records: Array<Record<string, unknown>>) =>
  records.filter((record) => record.message === 'http request');

const redisClients: Redis[] = [];
afterAll(async () => {
  await Promise.all(
    redisClients.map(async (client) => {
      if (client.status === 'ready') return void (await client.quit());
      // disconnect() on an ended client would arm a 2 s timer for a socket that is already gone.
      if (client.status !== 'end') client.disconnect();
    }),
  );
});

describe('createHttpApp basics', () => {
  it('answers /healthz and gives every answer a request id', async () => {
    const { logger } = captureLogger();
    const app = createHttpApp({ service: 'health-test', logger });
    const res = await request(app).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("echoes the caller's X-Request-Id, but replaces one that could forge log lines", async () => {
    const { logger, records } = captureLogger();
    const app = createHttpApp({ service: 'rid-test', logger });
    const ok = await request(app).get('/healthz').set('X-Request-Id', 'trace-42.a:b_c').expect(200);
    expect(ok.headers['x-request-id']).toBe('trace-42.a:b_c');
    const forged = await request(app).get('/healthz').set('X-Request-Id', 'x"} {"level":"error').expect(200);
    expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(accessLogs(records()).map((record) => record.requestId)).toEqual([
      'trace-42.a:b_c',
      forged.headers['x-request-id'],
    ]);
  });

  it('mounts app routes before the JSON 404 and parses JSON and form bodies', async () => {
    const { logger } = captureLogger();
    const app = createHttpApp({
      service: 'routes-test',
      logger,
      routes: (routes) => {
        routes.post('/echo', (req, res) => {
          res.json({ got: req.body });
        });
      },
    });
    await request(app)
      .post('/echo')
      .send({ a: 1 })
      .expect(200, { got: { a: 1 } });
    await request(app)
      .post('/echo')
      .type('form')
      .send('client_id=abc&order_id=42&status=new')
      .expect(200, { got: { client_id: 'abc', order_id: '42', status: 'new' } });

    const missing = await request(app).get('/nope/123?apiKey=secret').expect(404);
    expect(missing.headers['content-type']).toMatch(/^application\/json/);
    expect(missing.body).toEqual({ error: { code: 'not_found', message: 'No route for GET /nope/123' } });
  });
});

describe('error answers', () => {
  const { logger, lines, records } = captureLogger();
  const app = createHttpApp({
    service: 'errors-test',
    logger,
    bodyLimit: '1kb',
    routes: (routes) => {
      routes.post('/json', (req, res) => {
        res.json({ size: JSON.stringify(req.body).length });
      });
      routes.get('/boom', () => {
        throw new Error('connect ECONNREFUSED db.internal:5432 password=hunter2');
      });
      routes.get('/boom-async', async () => {
        await Promise.resolve();
        throw new TypeError('cannot read properties of undefined');
      });
      routes.get('/invalid', () => {
        throw new HttpError(400, 'invalid_field', 'order_id must be a positive integer', {
          field: 'order_id',
        });
      });
    },
  });

  it('answers 413 for a JSON body over the limit, naming the limit', async () => {
    const res = await request(app)
      .post('/json')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ filler: 'x'.repeat(2048) }))
      .expect(413);
    expect(res.body).toEqual({
      error: { code: 'payload_too_large', message: 'Request body is larger than the limit of 1024 bytes' },
    });
    await request(app).post('/json').send({ small: true }).expect(200, { size: 14 });
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await request(app)
      .post('/json')
      .set('Content-Type', 'application/json')
      .send('{"a":')
      .expect(400);
    expect(res.body).toEqual({ error: { code: 'invalid_json', message: 'Request body is not valid JSON' } });
  });

  it('answers 500 without internals for thrown and rejected errors, and logs them with the request id', async () => {
    for (const path of ['/boom', '/boom-async']) {
      const res = await request(app)
        .get(path)
        .set('X-Request-Id', `req-${path.slice(1)}`)
        .expect(500);
      expect(res.body).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|TypeError|stack/);
    }
    const logged = records().filter((record) => record.message === 'unhandled error in request');
    expect(logged.map((record) => record.requestId)).toEqual(['req-boom', 'req-boom-async']);
    expect(logged[0]?.error).toEqual(
      expect.objectContaining({ message: expect.stringContaining('ECONNREFUSED') }),
    );
    expect(lines.join('')).not.toContain('hunter2');
  });

  it('renders an HttpError with its status, code and details', async () => {
    const res = await request(app).get('/invalid').expect(400);
    expect(res.body).toEqual({
      error: {
        code: 'invalid_field',
        message: 'order_id must be a positive integer',
        details: { field: 'order_id' },
      },
    });
  });
});

describe('access log', () => {
  it('logs method, route pattern, status and duration; never tokens in paths, query strings or secret headers', async () => {
    const { logger, lines, records } = captureLogger();
    const token = 'n0tif1cat10nT0ken9f8e7d6c5b4a';
    const apiKey = 'Xk39fLq0sQ2pZm7Rtb1CapiKey';
    const app = createHttpApp({
      service: 'log-test',
      logger,
      routes: (routes) => {
        routes.post('/lifepos/notifications/:token', (_req, res) => {
          requestLogger(res).info('notification stored');
          res.status(202).json({ accepted: true });
        });
      },
    });
    await request(app)
      .post(`/lifepos/notifications/${token}?apiKey=${apiKey}`)
      .set('Authorization', `Bearer ${apiKey}`)
      .set('X-API-KEY', apiKey)
      .set('X-Request-Id', 'log-1')
      .send({ password: 'body-secret-value' })
      .expect(202);
    await request(app).get('/healthz').expect(200);
    await request(app).post(`/lifepos/notification/${token}`).expect(404);

    const text = lines.join('');
    expect(text).not.toContain(token);
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain('body-secret-value');
    const [notification, health, mistyped] = accessLogs(records());
    expect(notification).toEqual(
      expect.objectContaining({
        level: 'info',
        service: 'http-test',
        requestId: 'log-1',
        method: 'POST',
        route: '/lifepos/notifications/:token',
        status: 202,
      }),
    );
    expect(typeof notification?.durationMs).toBe('number');
    expect(notification).not.toHaveProperty('path');
    expect(health).toEqual(expect.objectContaining({ level: 'debug', route: '/healthz', status: 200 }));
    expect(mistyped).toEqual(
      expect.objectContaining({
        level: 'warn',
        route: 'unmatched',
        path: `/lifepos/notification/${REDACTED}`,
        status: 404,
      }),
    );
    expect(records().find((record) => record.message === 'notification stored')?.requestId).toBe('log-1');
  });
});

describe('/readyz', () => {
  it('is ready when every check passes, with each check result', async () => {
    const redis = new Redis(testRedisUrl(), { enableOfflineQueue: false, lazyConnect: true });
    redisClients.push(redis);
    await redis.connect();
    const { logger } = captureLogger();
    const app = createHttpApp({
      service: 'ready-test',
      logger,
      readiness: [redisReadiness(redis), sqlReadiness(async () => [{ '?column?': 1 }])],
    });
    const res = await request(app).get('/readyz').expect(200);
    expect(res.body).toEqual({
      status: 'ready',
      checks: {
        redis: { status: 'ok', durationMs: expect.any(Number) },
        postgres: { status: 'ok', durationMs: expect.any(Number) },
      },
      down: [],
    });
  });

  it('stays ready when only checks it works without fail, and still says what is down', async () => {
    const { logger } = captureLogger();
    const app = createHttpApp({
      service: 'degraded-test',
      logger,
      readiness: [
        sqlReadiness(() => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')), 'postgres', {
          required: false,
        }),
        { name: 'queue', check: async () => {} },
      ],
    });
    const res = await request(app).get('/readyz').expect(200);
    expect(res.body).toMatchObject({ status: 'ready', down: ['postgres'] });
    expect(res.body.checks.postgres).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('answers 503 naming the failing check and why: Redis on a closed port, a hanging check', async () => {
    const closedPort = await freePort();
    // A producer-style client fails at once; a worker-style client waits for a reconnect that never comes.
    const producer = new Redis(`redis://127.0.0.1:${closedPort}`, {
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    const worker = new Redis(`redis://127.0.0.1:${closedPort}`, {
      maxRetriesPerRequest: null,
      retryStrategy: () => 100,
      // Its socket never connects: let disconnect() drop it at once instead of after 2 s.
      disconnectTimeout: 10,
    });
    worker.on('error', () => {});
    redisClients.push(producer, worker);
    const healthy = new Redis(testRedisUrl(), { enableOfflineQueue: false, lazyConnect: true });
    redisClients.push(healthy);
    await healthy.connect();
    const { logger, records } = captureLogger();
    const app = createHttpApp({
      service: 'not-ready-test',
      logger,
      readinessTimeoutMs: 300,
      readiness: [
        redisReadiness(healthy),
        redisReadiness(producer, 'redis-producer'),
        redisReadiness(worker, 'redis-worker'),
        sqlReadiness(() => Promise.reject(new Error('password authentication failed')), 'database'),
      ],
    });

    const started = Date.now();
    const res = await request(app).get('/readyz').expect(503);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.body.status).toBe('not_ready');
    expect(res.body.down).toEqual(['redis-producer', 'redis-worker', 'database']);
    expect(res.body.checks.redis).toEqual({ status: 'ok', durationMs: expect.any(Number) });
    expect(res.body.checks['redis-producer']).toEqual({
      status: 'failed',
      durationMs: expect.any(Number),
      error: expect.stringMatching(/writeable|ECONNREFUSED|closed/i),
    });
    expect(res.body.checks['redis-worker']).toEqual({
      status: 'failed',
      durationMs: expect.any(Number),
      error: 'no answer within 300 ms',
    });
    expect(res.body.checks.database).toEqual({
      status: 'failed',
      durationMs: expect.any(Number),
      error: 'password authentication failed',
    });

    // A second failing probe does not log the same failure again.
    await request(app).get('/readyz').expect(503);
    const warnings = records().filter((record) => record.message === 'readiness check failed');
    expect(warnings.map((record) => record.check).sort()).toEqual([
      'database',
      'redis-producer',
      'redis-worker',
    ]);
  });

  it('refuses two checks with the same name', () => {
    const { logger } = captureLogger();
    const check: ReadinessCheck = sqlReadiness(async () => 1);
    expect(() => createHttpApp({ service: 'dup-test', logger, readiness: [check, check] })).toThrow(
      'readiness check "postgres" is registered twice',
    );
  });
});

describe('/metrics', () => {
  it('counts requests by route pattern, never by raw URL, next to the default process metrics', async () => {
    const { logger } = captureLogger();
    const tenantRouter = express.Router({ mergeParams: true });
    tenantRouter.get('/items/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    // Like Bull Board's adapter: a whole express app mounted under a path, serving routes and assets.
    const board = express();
    board.get('/api/queues/:name', (req, res) => {
      res.json({ queue: req.params.name });
    });
    board.use((_req, res) => {
      res.type('text/css').send('body{}');
    });
    const app = createHttpApp({
      service: 'metrics-test',
      logger,
      routes: (routes) => {
        routes.get('/orders/:id', (req, res) => {
          res.json({ id: req.params.id });
        });
        routes.use('/t/:tenant', tenantRouter);
        routes.use('/admin/queues', board);
      },
    });
    // A second app in the same process shares the registered metrics instead of failing to register them.
    const other = createHttpApp({ service: 'metrics-other', logger });

    await request(app).get('/orders/1').expect(200);
    await request(app).get('/orders/2').expect(200);
    await request(app).get('/t/acme/items/7').expect(200, { id: '7' });
    await request(app).get('/secret-scan/12345').expect(404);
    await request(app).get('/admin/queues/api/queues/order-export').expect(200, { queue: 'order-export' });
    await request(app).get('/admin/queues/static/main-abc123.css').expect(200);
    await request(other).get('/healthz').expect(200);

    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    expect(text).toContain(
      'connector_http_requests_total{service="metrics-test",method="GET",route="/orders/:id",status="200"} 2',
    );
    expect(text).toContain(
      'connector_http_requests_total{service="metrics-test",method="GET",route="/t/:tenant/items/:id",status="200"} 1',
    );
    expect(text).toContain(
      'connector_http_requests_total{service="metrics-test",method="GET",route="unmatched",status="404"} 1',
    );
    expect(text).toContain(
      'connector_http_requests_total{service="metrics-test",method="GET",route="/admin/queues/api/queues/:name",status="200"} 1',
    );
    expect(text).toContain(
      'connector_http_requests_total{service="metrics-test",method="GET",route="/admin/queues/*",status="200"} 1',
    );
    expect(text).toContain(
      'connector_http_requests_total{service="metrics-other",method="GET",route="/healthz",status="200"} 1',
    );
    expect(text).toMatch(
      /connector_http_request_duration_seconds_count\{service="metrics-test",method="GET",route="\/orders\/:id",status="200"\} 2/,
    );
    expect(text).toContain(
      'connector_http_request_duration_seconds_bucket{le="0.005",service="metrics-test"',
    );
    // Only in label values: the default metrics' numbers may contain any digits (an event-loop lag of 0.012345…).
    expect(text).not.toMatch(/route="\/orders\/1"|="[^"]*(?:acme|12345|order-export|main-abc123)[^"]*"/);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
