import { errorKind, PermanentError } from '@connector/domain';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  type RequestContext,
  RetailCrmApiError,
  RetailCrmRateLimitError,
  RetailCrmUnavailableError,
} from './errors.js';
import { decodeResponse, type RawResponse } from './response-decoding.js';

const context: RequestContext = { method: 'POST', path: '/api/v5/orders/6722/edit', requestId: 'req-1' };
const anything = z.looseObject({});
const json = (status: number, body: unknown, headers: RawResponse['headers'] = {}): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

function failure(response: RawResponse, now?: () => number): unknown {
  try {
    decodeResponse(response, anything, context, now);
  } catch (error) {
    return error;
  }
  throw new Error('decoded without error');
}

describe('decodeResponse', () => {
  it('returns the decoded payload of a success envelope', () => {
    const schema = z.looseObject({ id: z.number() });
    expect(decodeResponse(json(201, { success: true, id: 1 }), schema, context)).toEqual({
      success: true,
      id: 1,
    });
  });

  it('maps `errors` given as an object to a permanent validation error a person can act on', () => {
    const error = failure(
      json(400, {
        success: false,
        errorMsg: 'Order is not loaded',
        errors: { orderType: '"OrderType" with "code"="eshop-individual" does not exist.' },
      }),
    );
    expect(error).toBeInstanceOf(RetailCrmApiError);
    expect(error).toBeInstanceOf(PermanentError);
    expect(errorKind(error)).toBe('permanent');
    const apiError = error as RetailCrmApiError;
    expect(apiError.code).toBe('retailcrm.validation');
    expect(apiError.errorMsg).toBe('Order is not loaded');
    expect(apiError.errors).toEqual({
      orderType: '"OrderType" with "code"="eshop-individual" does not exist.',
    });
    expect(apiError.details).toMatchObject({
      status: 400,
      errorMsg: 'Order is not loaded',
      requestId: 'req-1',
    });
    expect(apiError.userMessage).toContain('«Order is not loaded»');
    expect(apiError.userMessage).toContain(
      'orderType: "OrderType" with "code"="eshop-individual" does not exist.',
    );
  });

  it('maps `errors` given as a list to keys "0", "1" and lists the messages without field names', () => {
    const error = failure(
      json(400, {
        success: false,
        errorMsg: 'Errors in the entity format',
        errors: ['Amount is too big', 'Bad type'],
      }),
    ) as RetailCrmApiError;
    expect(error.errors).toEqual({ '0': 'Amount is too big', '1': 'Bad type' });
    expect(error.userMessage).toContain('Ошибки: Amount is too big; Bad type.');
  });

  it('treats `success: false` in a 200 answer as a refusal, not a success', () => {
    const error = failure(
      json(200, {
        success: false,
        errorMsg: 'Task is not loaded',
        errors: { performerId: 'This value should not be blank.' },
      }),
    );
    expect(error).toMatchObject({
      code: 'retailcrm.validation',
      status: 200,
      errors: { performerId: expect.any(String) },
    });
  });

  it('maps the HTML page an unknown account gets (HTTP 405) to a permanent account-not-found error', () => {
    const error = failure({
      status: 405,
      headers: { 'content-type': 'text/html' },
      body: '<html>\r\n<head><title>405 Not Allowed</title></head>\r\n<body>\r\n<center><h1>405 Not Allowed</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>',
    });
    expect(error).toMatchObject({
      code: 'retailcrm.account_not_found',
      errorMsg: 'Account does not exist.',
      kind: 'permanent',
    });
    expect((error as RetailCrmApiError).userMessage).toMatch(/адрес RetailCRM/);
  });

  it('maps 503 with the rate-limit JSON body to a deferred error of about one second', () => {
    const error = failure(json(503, { success: false, errorMsg: 'Rate limit exceeded' }));
    expect(error).toBeInstanceOf(RetailCrmRateLimitError);
    expect(error).toMatchObject({
      kind: 'deferred',
      delayMs: 1000,
      status: 503,
      code: 'retailcrm.rate_limited',
    });
  });

  it("maps nginx's 503 limit page to a deferred error too", () => {
    const error = failure({
      status: 503,
      headers: { 'content-type': 'text/html' },
      body: '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>',
    });
    expect(errorKind(error)).toBe('deferred');
  });

  it('honours Retry-After in seconds and as an HTTP date, on 503 and 429', () => {
    expect(
      failure(json(503, { success: false, errorMsg: 'Rate limit exceeded' }, { 'retry-after': '3' })),
    ).toMatchObject({ delayMs: 3000 });
    const now = () => Date.parse('2026-05-01T12:00:00Z');
    expect(
      failure({ status: 429, headers: { 'retry-after': 'Fri, 01 May 2026 12:00:05 GMT' }, body: '' }, now),
    ).toMatchObject({
      kind: 'deferred',
      delayMs: 5000,
      status: 429,
    });
    expect(failure({ status: 429, headers: {}, body: '' })).toMatchObject({ delayMs: 1000 });
  });

  it('maps a 503 without the rate-limit body and other 5xx to retryable errors', () => {
    const maintenance = failure(json(503, { success: false, errorMsg: 'Service is under maintenance' }));
    expect(maintenance).toBeInstanceOf(RetailCrmUnavailableError);
    expect(maintenance).toMatchObject({ kind: 'retryable', code: 'retailcrm.server_error', status: 503 });
    expect(failure({ status: 500, headers: {}, body: 'oops' })).toMatchObject({
      kind: 'retryable',
      status: 500,
    });
    expect(
      failure({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad Gateway</html>' }),
    ).toMatchObject({
      kind: 'retryable',
    });
  });

  it.each([
    [401, '"apiKey" is missing.', 'retailcrm.auth'],
    [403, 'Wrong "apiKey" value.', 'retailcrm.auth'],
    [403, 'Access denied.', 'retailcrm.access_denied'],
    [400, 'Account does not exist.', 'retailcrm.account_not_found'],
    [404, 'Not found', 'retailcrm.not_found'],
    [404, 'Payment not found', 'retailcrm.not_found'],
    [404, 'API method not found', 'retailcrm.method_not_found'],
    [400, "Parameter 'site' is missing", 'retailcrm.validation'],
    [405, 'Method Not Allowed', 'retailcrm.rejected'],
  ])('maps HTTP %i "%s" to permanent %s', (status, errorMsg, code) => {
    const error = failure(json(status, { success: false, errorMsg }));
    expect(error).toMatchObject({ kind: 'permanent', code, errorMsg, status });
    expect((error as RetailCrmApiError).userMessage).toContain(errorMsg);
  });

  it('never follows a redirect: 3xx is permanent and names the new location', () => {
    expect(
      failure({ status: 301, headers: { location: 'https://new.retailcrm.ru/api/v5/orders' }, body: '' }),
    ).toMatchObject({
      code: 'retailcrm.redirect',
      details: { location: 'https://new.retailcrm.ru/api/v5/orders' },
    });
  });

  it('reports a 2xx body of the wrong shape with paths only, never the values', () => {
    const schema = z.looseObject({ order: z.looseObject({ id: z.number() }) });
    let error: unknown;
    try {
      decodeResponse(json(200, { success: true, order: { id: 'Иванов Иван' } }), schema, context);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'retailcrm.unexpected_response', kind: 'permanent' });
    expect((error as RetailCrmApiError).details.issues).toEqual([
      { path: 'order.id', message: expect.any(String) },
    ]);
    expect(JSON.stringify((error as RetailCrmApiError).details)).not.toContain('Иванов');
  });
});
