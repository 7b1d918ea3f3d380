/**
 * A 2xx response whose body does not have the shape the client relies on (missing guid, fractional
 * kopecks, unknown sale state, …). The client turns it into a permanent error: retrying returns the same
 * body, and a person (developer) has to look.
 */
export class UnexpectedResponseError extends Error {
  override readonly name = 'UnexpectedResponseError';

  constructor(
    message: string,
    readonly issues: string[] = [message],
  ) {
    super(message);
  }
}
