import { errorKind } from '@connector/domain';
import { describe, expect, it } from '@jest/globals';
import {
  errorForResponse,
  LifePosDeferredError,
  type LifePosFailure,
  LifePosPermanentError,
  LifePosRetryableError,
  lifePosErrorCode,
  parseApiErrorBody,
  retryAfterMs,
} from './errors.js';

const failure = (status: number, body: string): LifePosFailure => ({
  method: 'POST',
  path: '/orgs/0b6f6c1e-4c1b-4a47-9d7e-3f0c2f1c9a11/deals/sales',
  requestId: 'req-1',
  status,
  api: parseApiErrorBody(body),
});

describe('parseApiErrorBody', () => {
  it('reads the LIFE POS error body { code, message, info }', () => {
    const body = JSON.stringify({
      code: 'Duplicate',
      message: 'Объект с таким уникальным идентификатором уже существует',
      info: 'guid',
    });
    expect(parseApiErrorBody(body)).toEqual({
      code: 'Duplicate',
      message: 'Объект с таким уникальным идентификатором уже существует',
      info: 'guid',
      fieldErrors: {},
    });
  });

  it('reads ASP.NET validation problem details with per-field errors', () => {
    const body = JSON.stringify({
      type: 'https://tools.ietf.org/html/rfc7231#section-6.5.1',
      title: 'One or more validation errors occurred.',
      status: 400,
      traceId: '00-7d1c1e9c2b1f4a43b1b3b9f0d3c0a6e2-6f1d2c3b4a5e6f70-00',
      errors: {
        Number: ['The field Number must be a string with a maximum length of 36.'],
        'Positions[0].Name': ['Required'],
      },
    });
    expect(parseApiErrorBody(body)).toEqual({
      code: undefined,
      message: 'One or more validation errors occurred.',
      info: undefined,
      fieldErrors: {
        Number: ['The field Number must be a string with a maximum length of 36.'],
        'Positions[0].Name': ['Required'],
      },
    });
  });

  it('reads a list of field errors next to the code', () => {
    const body = JSON.stringify({
      code: 'RequestIsNotValid',
      message: 'Запрос некорректен',
      errors: [
        { field: 'positions[0].sale_price', message: 'must be >= 0' },
        { path: 'number', message: 'required' },
      ],
    });
    expect(parseApiErrorBody(body)?.fieldErrors).toEqual({
      'positions[0].sale_price': ['must be >= 0'],
      number: ['required'],
    });
  });

  it('gives undefined for bodies that are not an API error (proxy HTML, empty, {})', () => {
    expect(parseApiErrorBody('<html><body><h1>502 Bad Gateway</h1></body></html>')).toBeUndefined();
    expect(parseApiErrorBody('')).toBeUndefined();
    expect(parseApiErrorBody('{}')).toBeUndefined();
    expect(parseApiErrorBody('[1,2]')).toBeUndefined();
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, bounded, and ignores junk', () => {
    const now = Date.parse('2026-03-01T10:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('0.5', now)).toBe(500);
    expect(retryAfterMs('Sun, 01 Mar 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Sun, 01 Mar 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('86400', now)).toBe(15 * 60_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('errorForResponse', () => {
  it('422 Duplicate → permanent, carrying the API body and message for a person', () => {
    const error = errorForResponse(
      failure(422, JSON.stringify({ code: 'Duplicate', message: 'Продажа с таким guid уже существует' })),
      undefined,
    );
    expect(error).toBeInstanceOf(LifePosPermanentError);
    expect(errorKind(error)).toBe('permanent');
    expect(error.code).toBe('lifepos.duplicate');
    expect(lifePosErrorCode(error)).toBe('Duplicate');
    expect(error.userMessage).toContain('Продажа с таким guid уже существует');
    expect(error.details).toMatchObject({ status: 422, apiCode: 'Duplicate', requestId: 'req-1' });
  });

  it.each([
    [422, 'NotUnique', 'lifepos.not_unique'],
    [422, 'NotAllowedForArchived', 'lifepos.not_allowed_for_archived'],
    [422, 'RequestIsNotValid', 'lifepos.request_is_not_valid'],
    [400, undefined, 'lifepos.http_400'],
    [404, 'NotFound', 'lifepos.not_found'],
    [401, 'Unauthorized', 'lifepos.unauthorized'],
    [403, 'NoPermissions', 'lifepos.no_permissions'],
  ])('%i %s → permanent %s', (status, code, expected) => {
    const body = code === undefined ? 'Bad Request' : JSON.stringify({ code, message: `message of ${code}` });
    const error = errorForResponse(failure(status, body), undefined);
    expect(error).toBeInstanceOf(LifePosPermanentError);
    expect(error.code).toBe(expected);
    if (code !== undefined) expect(error.userMessage).toContain(`message of ${code}`);
  });

  it('field errors reach the message a person reads', () => {
    const body = JSON.stringify({
      title: 'One or more validation errors occurred.',
      errors: { Number: ['too long'] },
    });
    const error = errorForResponse(failure(400, body), undefined);
    expect(error.userMessage).toContain('Number: too long');
  });

  it('429 → deferred with Retry-After, or a default delay without it', () => {
    const body = JSON.stringify({ code: 'TooManyRequests', message: 'Превышен лимит запросов в секунду' });
    const withHeader = errorForResponse(failure(429, body), '7');
    expect(withHeader).toBeInstanceOf(LifePosDeferredError);
    expect(errorKind(withHeader)).toBe('deferred');
    expect((withHeader as LifePosDeferredError).delayMs).toBe(7000);
    const without = errorForResponse(failure(429, ''), undefined);
    expect((without as LifePosDeferredError).delayMs).toBe(1000);
  });

  it('5xx (with any body), 408 and TryLater → retryable', () => {
    for (const [status, body] of [
      [500, JSON.stringify({ code: 'InternalServerError', message: 'Внутренняя ошибка' })],
      [502, '<html>Bad Gateway</html>'],
      [503, ''],
      [408, ''],
      [422, JSON.stringify({ code: 'TryLater', message: 'Повторите позже' })],
    ] as const) {
      const error = errorForResponse(failure(status, body), undefined);
      expect(error).toBeInstanceOf(LifePosRetryableError);
      expect(errorKind(error)).toBe('retryable');
    }
  });
});
