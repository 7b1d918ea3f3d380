import { z } from 'zod';
import {
  errorForResponse,
  LIFEPOS_API_CODES,
  LIFEPOS_ERROR_CODES,
  LifePosPermanentError,
  LifePosRetryableError,
} from './errors.js';
import { type Connection, failureOf, parseJson, retryAfter, send } from './request.js';

export interface PhoneCredentials {
  phone: string;
  password: string;
}

/**
 * `POST /auth/sign-in-by-phone` (docs/LIFEPOS-API.md, «Sign-in and tokens») → the bearer token. A refusal
 * (4xx other than a rate limit or a timeout) is permanent and tells the operator what to fix.
 */
export async function signInByPhone(
  connection: Connection,
  credentials: PhoneCredentials,
  logContext: Record<string, unknown>,
): Promise<string> {
  const path = '/auth/sign-in-by-phone';
  const { response, requestId } = await send(connection, 'POST', path, {
    body: { phone: credentials.phone, password: credentials.password },
  });
  const failure = failureOf('POST', path, requestId, response);
  if (response.status >= 200 && response.status < 300) {
    const parsed = z.looseObject({ token: z.string().nullish() }).safeParse(parseJson(response.body));
    const token = parsed.success ? parsed.data.token : undefined;
    if (!token) {
      throw new LifePosRetryableError('LIFE POS sign-in answered without a token', failure, {
        code: LIFEPOS_ERROR_CODES.noToken,
      });
    }
    connection.logger.info('lifepos signed in', { requestId, ...logContext });
    return token;
  }
  const limited = response.status === 429 || failure.api?.code === LIFEPOS_API_CODES.tooManyRequests;
  if (response.status >= 400 && response.status < 500 && !limited && response.status !== 408) {
    const said = failure.api?.message ?? failure.api?.code ?? `HTTP ${response.status}`;
    throw new LifePosPermanentError(`LIFE POS sign-in by phone was rejected: ${said}`, failure, {
      code: LIFEPOS_ERROR_CODES.invalidCredentials,
      userMessage:
        `LIFE POS did not accept the employee phone and password from the connector settings (LIFE POS said: ${said}). ` +
        'Enter the phone and password of an active Owner or Administrator employee of the organization and save the settings again.',
    });
  }
  throw errorForResponse(failure, retryAfter(response));
}
