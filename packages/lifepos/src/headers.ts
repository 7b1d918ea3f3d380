/**
 * Headers LIFE POS requires on every v6 call (docs/LIFEPOS-API.md, «Required headers»): client identifier,
 * client type and Accept-Language; plus the bearer token everywhere except `/auth/*`.
 */

/** Stable identifier of this connector as a LIFE POS API client (any fixed UUID; the docs show UUIDs). */
export const DEFAULT_CLIENT_ID = '3f7c2a9e-5b1d-4e8a-9c6f-2d4b8e1a7c30';
export const DEFAULT_LANGUAGE = 'ru-RU';
export const CLIENT_NAME = 'retailcrm-lifepos-connector';

export interface HeaderOptions {
  clientId: string;
  language: string;
  requestId: string;
  token?: string;
  /** Model extensions the client declares (`X-LP-Client-Extensions`, csv). */
  extensions?: readonly string[];
  json?: boolean;
}

export function lifePosHeaders({
  clientId,
  language,
  requestId,
  token,
  extensions,
  json,
}: HeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'x-lp-client-identifier': clientId,
    'x-lp-client-type': 'Service',
    'x-lp-client-name': CLIENT_NAME,
    'accept-language': language,
    accept: 'application/json',
    'user-agent': CLIENT_NAME,
    'x-request-id': requestId,
  };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (extensions !== undefined && extensions.length > 0)
    headers['x-lp-client-extensions'] = extensions.join(',');
  // Working third-party clients send plain application/json, also for JSON Patch bodies (docs/LIFEPOS-API.md,
  // «Subscribing»).
  if (json) headers['content-type'] = 'application/json';
  return headers;
}
