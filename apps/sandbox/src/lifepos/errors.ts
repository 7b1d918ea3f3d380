/**
 * The v6 error body `{code, message, info}` (docs/LIFEPOS-API.md, «Error body») and the HTTP status each code
 * travels with («HTTP statuses and rate limit»). Every failure of the simulator — HTTP route or typed method
 * — is a `LifePosApiError`, so the control routes and the API answer with the same body a real client would
 * parse.
 */

export const ERROR_CODES = [
  'InternalServerError',
  'TooManyRequests',
  'RequestIsNotValid',
  'BadRequest',
  'NoPermissions',
  'Unauthorized',
  'NotFound',
  'ReferenceNotFound',
  'Duplicate',
  'NotUnique',
  'NotNullOrUnique',
  'NotAllowed',
  'NotAllowedForArchived',
  'TryLater',
  'OperationCannotBePerformed',
  'NotificationsAreOutOfService',
  'TrySendCodeLater',
  'UsernameIsAlreadyTaken',
  'PhoneIsNotFound',
  'PhoneIsNotFoundInOrganization',
  'PhoneIsAlreadyTaken',
  'InvalidConfirmationCode',
  'ConfirmationCodeWasCanceled',
  'ConfirmationCodeWasNotSend',
  'UsernameDoesNotExist',
  'WrongUsernameOrPassword',
  'WrongActivationCode',
  'TryActivateLater',
  'AliasIsNotFound',
  'AliasIsAlreadyTaken',
  'NotAllowedForOwner',
  'DealPositionHasInvalidQuantity',
  'CheckMarkingCodeMustBeDisabled',
  'LegalEntityCrptTokenNotSpecified',
] as const;
export type LifePosErrorCode = (typeof ERROR_CODES)[number];

export interface LifePosErrorBody {
  code: LifePosErrorCode;
  message: string;
  info: string;
}

export class LifePosApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: LifePosErrorCode,
    message: string,
    readonly info = '',
  ) {
    super(message);
    this.name = 'LifePosApiError';
  }

  body(): LifePosErrorBody {
    return { code: this.code, message: this.message, info: this.info };
  }
}

export const unauthorized = (message = 'Authorization is required'): LifePosApiError =>
  new LifePosApiError(401, 'Unauthorized', message);
export const noPermissions = (message: string): LifePosApiError =>
  new LifePosApiError(403, 'NoPermissions', message);
export const notFound = (what: string): LifePosApiError =>
  new LifePosApiError(404, 'NotFound', `${what} is not found`);
/**
 * A reference inside a body points nowhere: 404 like a missing parent (docs/LIFEPOS-API.md,
 * «HTTP statuses and rate limit», V1).
 */
export const referenceNotFound = (field: string, guid: string): LifePosApiError =>
  new LifePosApiError(404, 'ReferenceNotFound', `Reference '${field}' (${guid}) is not found`, field);
export const invalid = (message: string, info = ''): LifePosApiError =>
  new LifePosApiError(422, 'RequestIsNotValid', message, info);
export const archived = (what: string): LifePosApiError =>
  new LifePosApiError(422, 'NotAllowedForArchived', `${what} is archived`);
export const cannotPerform = (message: string): LifePosApiError =>
  new LifePosApiError(422, 'OperationCannotBePerformed', message);

/** Body used by the fault injector, so injected errors look like the API's own. */
export function errorBodyForStatus(status: number): LifePosErrorBody {
  const code: LifePosErrorCode =
    status === 401
      ? 'Unauthorized'
      : status === 403
        ? 'NoPermissions'
        : status === 404
          ? 'NotFound'
          : status === 422
            ? 'RequestIsNotValid'
            : status === 429
              ? 'TooManyRequests'
              : status === 400
                ? 'BadRequest'
                : 'InternalServerError';
  return { code, message: `Injected fault (HTTP ${status})`, info: 'sandbox' };
}
