import { ConnectorError } from '@connector/domain';

/** `code` of the `PermanentError` `TenantRuntime.open` throws when a job's connection cannot be used. */
export const CONNECTION_ERROR_CODES = {
  /** The connection was deleted. */
  missing: 'connection.missing',
  /** The connection exists but is not active (disabled by a person, or by the connector). */
  inactive: 'connection.inactive',
} as const;

export type ConnectionErrorCode = (typeof CONNECTION_ERROR_CODES)[keyof typeof CONNECTION_ERROR_CODES];

/** The connection of the job was deleted. */
export function isConnectionMissing(error: unknown): boolean {
  return error instanceof ConnectorError && error.code === CONNECTION_ERROR_CODES.missing;
}

/** The code when the job failed only because its connection is deleted or not active, else undefined. */
export function connectionErrorCode(code: string | undefined): ConnectionErrorCode | undefined {
  return code === CONNECTION_ERROR_CODES.missing || code === CONNECTION_ERROR_CODES.inactive
    ? code
    : undefined;
}
