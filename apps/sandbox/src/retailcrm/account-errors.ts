import type { ApiErrorDetails } from './api-error.js';

/** Field errors of a write, as RetailCRM reports them (field → message), and how they are gathered. */
export type Errors = Record<string, string>;

export const NOT_BLANK = 'This value should not be blank.';
export const NOT_VALID = 'This value is not valid.';

export function throwIfAny(errors: Errors, make: (errors: ApiErrorDetails) => Error): void {
  if (Object.keys(errors).length > 0) throw make(errors);
}

export function mergeNullable(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else target[key] = value;
  }
}
