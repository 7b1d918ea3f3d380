import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import winston from 'winston';
import { createLogger, jobLogger, REDACTED, registerSecret } from './index.js';

function capture(level = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({
    service: 'test',
    level,
    format: 'json',
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const API_KEY = 'Xk39fLq0sQ2pZm7Rtb1C';
const PASSWORD = 'hunter2-very-secret';

describe('logger', () => {
  it('writes one JSON object a line with service and level', () => {
    const { logger, records } = capture();
    logger.info('hello', { orderId: 5 });
    expect(records()).toEqual([
      expect.objectContaining({ level: 'info', message: 'hello', orderId: 5, service: 'test' }),
    ]);
  });

  it('does not format a record of a disabled level: its fields are never even read', () => {
    const { logger, records } = capture('info');
    let reads = 0;
    const watched = {
      get orderId() {
        reads += 1;
        return 5;
      },
    };
    logger.debug('hot path detail', { watched });
    logger.child({ requestId: 'r1' }).debug('hot path detail', { watched });
    expect(reads).toBe(0);
    logger.info('kept', { watched });
    expect(records()).toEqual([expect.objectContaining({ level: 'info', message: 'kept' })]);
    expect(reads).toBeGreaterThan(0);
  });

  it('redacts secrets placed in the message', () => {
    const { logger, lines } = capture();
    logger.warn(`GET https://a.retailcrm.ru/api/v5/orders?apiKey=${API_KEY}&limit=20 failed`);
    logger.warn(`sign-in body {"phone":"79990001122","password":"${PASSWORD}"}`);
    logger.warn(`header X-API-KEY: ${API_KEY}; Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def`);
    const text = lines.join('');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(text.split(REDACTED).length - 1).toBe(4);
  });

  it('redacts secret metadata fields, nested and in headers', () => {
    const { logger, lines, records } = capture();
    logger.info('request', {
      apiKey: API_KEY,
      request: { headers: { 'X-API-KEY': API_KEY, Authorization: `Bearer ${API_KEY}`, accept: 'json' } },
      connection: { phone: '79990001122', password: PASSWORD },
    });
    const text = lines.join('');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(PASSWORD);
    const [record] = records();
    expect(record?.apiKey).toBe(REDACTED);
    expect(record?.request).toEqual({
      headers: { 'X-API-KEY': REDACTED, Authorization: REDACTED, accept: 'json' },
    });
    expect(record?.connection).toEqual({ phone: '79990001122', password: REDACTED });
  });

  it('redacts secrets inside a nested error and its cause', () => {
    const { logger, lines, records } = capture();
    const cause = new Error(`upstream said: bad token=${API_KEY}`);
    const error = Object.assign(new Error(`call failed for password=${PASSWORD}`, { cause }), {
      options: { headers: { 'x-api-key': API_KEY } },
    });
    logger.error('job failed', { error });
    const text = lines.join('');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(PASSWORD);
    const [record] = records();
    const logged = record?.error as Record<string, unknown>;
    expect(logged.message).toBe(`call failed for password=${REDACTED}`);
    expect(typeof logged.stack).toBe('string');
    expect((logged.cause as Record<string, unknown>).message).toBe(`upstream said: bad token=${REDACTED}`);
  });

  it('masks a registered secret wherever it appears, in any form', () => {
    const { logger, lines } = capture();
    const secret = 'pl41n-s3cr3t-value';
    registerSecret(secret);
    logger.info(`odd place ${secret}`, { note: `embedded:${secret}:here`, list: [secret] });
    expect(lines.join('')).not.toContain(secret);
  });

  it('gives a job child logger carrying its context', () => {
    const { logger, records } = capture();
    jobLogger(logger, {
      queue: 'order-export',
      jobId: '42',
      connectionId: 'c1',
      orderId: 7,
      attempt: 1,
    }).info('start');
    expect(records()[0]).toEqual(
      expect.objectContaining({
        queue: 'order-export',
        jobId: '42',
        connectionId: 'c1',
        orderId: 7,
        message: 'start',
      }),
    );
  });
});
