import { createMemoryLogger } from '@connector/logger';
import { describe, expect, it } from '@jest/globals';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import request from 'supertest';
import { createHttpApp, HttpError } from './index.js';

/** An app whose `POST /Hot/Path` is a fast route that reads a JSON body through the shared parsers' rules. */
function appWithFastRoute(handlers: RequestHandler[], errorHandlers: ErrorRequestHandler[] = []) {
  const { logger, records } = createMemoryLogger('fast-test');
  const viaRouter: string[] = [];
  const app = createHttpApp({
    service: 'fast-test',
    logger,
    fastRoutes: [{ method: 'POST', path: '/Hot/Path', handlers, errorHandlers }],
    routes: (express) => {
      express.all('/Hot/Path', (req, res) => {
        viaRouter.push(req.method);
        res.status(405).json({ error: { code: 'method_not_allowed', message: 'POST only' } });
      });
    },
  });
  return { app, records, viaRouter };
}

describe('fast routes', () => {
  it('answers like an express route: request id, access log and metrics under the route pattern', async () => {
    const { app, records, viaRouter } = appWithFastRoute([
      (req, _res, next) => {
        req.body = { seen: req.is('json') };
        next();
      },
      (req, res) => {
        res.status(202).json({ ok: true, body: req.body, query: req.query.x });
      },
    ]);
    const answer = await request(app)
      .post('/hot/PATH?x=1')
      .set('content-type', 'application/json')
      .set('x-request-id', 'caller-id-1')
      .send('{}')
      .expect(202);

    expect(answer.body).toEqual({ ok: true, body: { seen: 'json' }, query: '1' });
    expect(answer.headers['x-request-id']).toBe('caller-id-1');
    expect(viaRouter).toEqual([]);
    expect(records.filter((record) => record.message === 'http request')).toEqual([
      expect.objectContaining({ route: '/Hot/Path', status: 202, requestId: 'caller-id-1', method: 'POST' }),
    ]);
    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /connector_http_requests_total\{service="fast-test",method="POST",route="\/Hot\/Path",status="202"\} 1/,
    );
  });

  it('hands errors (thrown, rejected or passed on) to the route’s error handlers, then the app’s', async () => {
    const seen: unknown[] = [];
    const count: ErrorRequestHandler = (error, _req, _res, next) => {
      seen.push((error as HttpError).status);
      next(error);
    };
    const thrower: RequestHandler = (req) => {
      if (req.query.how === 'throw') throw new HttpError(400, 'bad', 'thrown');
    };
    const { app } = appWithFastRoute(
      [
        (req, _res, next) => {
          if (req.query.how === 'next') next(new HttpError(413, 'big', 'passed on'));
          else next();
        },
        async (req, res, next) => {
          if (req.query.how === 'reject') throw new HttpError(429, 'many', 'rejected');
          if (req.query.how === 'throw') next();
          else res.status(204).end();
        },
        thrower,
      ],
      [count],
    );

    const next = await request(app).post('/hot/path?how=next').expect(413);
    expect(next.body).toEqual({ error: { code: 'big', message: 'passed on' } });
    const rejected = await request(app).post('/hot/path?how=reject').expect(429);
    expect(rejected.body).toEqual({ error: { code: 'many', message: 'rejected' } });
    const thrown = await request(app).post('/hot/path?how=throw').expect(400);
    expect(thrown.body).toEqual({ error: { code: 'bad', message: 'thrown' } });
    await request(app).post('/hot/path').expect(204);
    expect(seen).toEqual([413, 429, 400]);
  });

  it('answers 404 when its handlers pass on without answering, as the router would', async () => {
    const { app } = appWithFastRoute([(_req, _res, next) => next()]);
    const answer = await request(app).post('/hot/path').expect(404);
    expect(answer.body.error.code).toBe('not_found');
  });

  it('leaves other methods and other spellings of the path to express', async () => {
    const { app, viaRouter } = appWithFastRoute([(_req, res) => res.status(202).end()]);
    await request(app).post('/Hot/Path').expect(202);
    await request(app).post('/hot/path?x=1').expect(202);
    await request(app).get('/Hot/Path').expect(405);
    await request(app).get('/hot/path').expect(405);
    await request(app).post('/hot/path/').expect(405);
    await request(app).get('/healthz').expect(200);
    expect(viaRouter).toEqual(['GET', 'GET', 'POST']);
  });
});
