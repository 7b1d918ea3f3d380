import { createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { HttpError } from '@connector/http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import type { Redis } from 'ioredis';
import type { Locale } from './i18n.js';
import type { LoginThrottle } from './login-throttle.js';
import { RedisSessionStore } from './redis-session-store.js';

/**
 * Who may use the console: the one operator account of the environment (`CONSOLE_USER` /
 * `CONSOLE_PASSWORD`). Pages and Bull Board use a server-side session (cookie HttpOnly, SameSite=Lax,
 * Secure outside development) with a synchronizer CSRF token on every form post; the JSON API also takes
 * HTTP Basic credentials for automation. Sign-in attempts (form and Basic alike) are throttled in Redis per user
 * name and per client address (`login-throttle.ts`).
 */

declare module 'express-session' {
  interface SessionData {
    /** Set once the operator signed in. */
    user?: string;
    csrfToken?: string;
    locale?: Locale;
    /** One-shot data for the page after a redirect (the check report of a save). */
    flash?: string;
    /** The id of the kept secrets of a connection not created yet (`kept-secrets.ts`): never a secret. */
    pendingEditId?: string;
  }
}

export const SESSION_COOKIE = 'console.sid';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface Credentials {
  user: string;
  password: string;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Compares both fields in constant time (digests, so the lengths do not leak either). */
export function credentialsMatch(expected: Credentials, given: Partial<Credentials>): boolean {
  const userOk = timingSafeEqual(digest(expected.user), digest(given.user ?? ''));
  const passwordOk = timingSafeEqual(digest(expected.password), digest(given.password ?? ''));
  return userOk && passwordOk;
}

/** The cookie signing secret, derived from SECRETS_KEY so there is no second key to manage. */
export function sessionSecret(secretsKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secretsKey, 'connector-console', 'session-cookie', 32));
}

export interface SessionOptions {
  redis: Redis;
  prefix: string;
  secretsKey: Buffer;
  /** Secure cookie (https only). Off in development. */
  secure: boolean;
  idleMinutes: number;
}

export function sessionMiddleware(options: SessionOptions): RequestHandler {
  const maxAge = options.idleMinutes * 60_000;
  return session({
    name: SESSION_COOKIE,
    secret: sessionSecret(options.secretsKey),
    store: new RedisSessionStore(options.redis, options.prefix, maxAge),
    resave: false,
    saveUninitialized: false,
    // Every request moves the idle deadline.
    rolling: true,
    unset: 'destroy',
    // Behind a TLS proxy the console itself sees http; `trust proxy` decides whom to believe about https.
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge, path: '/' },
  });
}

/** The session's CSRF token, made on first use (the login form makes the session for it). */
export function csrfToken(req: Request): string {
  req.session.csrfToken ??= randomBytes(32).toString('base64url');
  return req.session.csrfToken;
}

function tokenMatches(expected: string | undefined, given: unknown): boolean {
  if (typeof expected !== 'string' || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Refuses a state-changing request whose form field / header does not carry the session's token. */
export function requireCsrf(onRefused: (req: Request, res: Response) => void): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const given = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] ?? req.get(CSRF_HEADER);
    if (!tokenMatches(req.session.csrfToken, given)) {
      onRefused(req, res);
      return;
    }
    next();
  };
}

/**
 * Bull Board's own API calls are same-origin fetches without a form token: a state-changing request must
 * at least come from this origin (defence in depth on top of the SameSite=Lax cookie).
 */
export function requireSameOrigin(): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const site = req.get('sec-fetch-site');
    const origin = req.get('origin');
    const sameOrigin =
      (site === undefined || site === 'same-origin') &&
      (origin === undefined || hostOf(origin) === req.get('host'));
    if (!sameOrigin) {
      next(new HttpError(403, 'cross_origin', 'Cross-origin requests are not allowed'));
      return;
    }
    next();
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

export const isSignedIn = (req: Request) => typeof req.session?.user === 'string';

/** A local path to return to after signing in; anything else (other hosts, `//evil`) goes home. */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/connections';
}

/** Pages: a visitor who has not signed in goes to the login page and comes back afterwards. */
export function requireLoginPage(): RequestHandler {
  return (req, res, next) => {
    if (isSignedIn(req)) {
      next();
      return;
    }
    const back = req.method === 'GET' ? req.originalUrl : '/connections';
    res.redirect(303, `/login?next=${encodeURIComponent(back)}`);
  };
}

function basicCredentials(header: string | undefined): Partial<Credentials> | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export type ApiAuth = 'basic' | 'session';

/**
 * The JSON API: HTTP Basic (automation) or the signed-in session. A session-authenticated write must carry
 * the CSRF header; a Basic one needs none (browsers never add it to a cross-site request we did not ask for,
 * and API writes must be `application/json`, which a cross-site form cannot send).
 */
export function requireApiAuth(
  credentials: Credentials,
  throttle: LoginThrottle,
  onThrottled: (req: Request, res: Response, waitMs: number) => void,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const basic = basicCredentials(req.get('authorization'));
    if (basic) {
      const who = { user: basic.user ?? '', ip: req.ip };
      const waitMs = await throttle.attempt(who);
      if (waitMs > 0) {
        onThrottled(req, res, waitMs);
        return;
      }
      if (credentialsMatch(credentials, basic)) {
        await throttle.succeeded(who);
        res.locals.apiAuth = 'basic' satisfies ApiAuth;
        next();
        return;
      }
    } else if (isSignedIn(req)) {
      if (!SAFE_METHODS.has(req.method) && !tokenMatches(req.session.csrfToken, req.get(CSRF_HEADER))) {
        next(new HttpError(403, 'csrf', `A session-authenticated write needs the ${CSRF_HEADER} header`));
        return;
      }
      res.locals.apiAuth = 'session' satisfies ApiAuth;
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Basic realm="connector-console", charset="UTF-8"');
    next(new HttpError(401, 'unauthorized', 'Sign in: HTTP Basic with CONSOLE_USER / CONSOLE_PASSWORD'));
  };
}

/** `Retry-After` (whole seconds, rounded up) for a throttled sign-in. */
export function setRetryAfter(res: Response, waitMs: number): void {
  res.setHeader('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
}
