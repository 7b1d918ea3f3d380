// Fault suite, spoofed X-Forwarded-For: a password guesser who writes a new X-Forwarded-For (and a new user name)
// into every sign-in cannot get past the console's sign-in throttle, which counts failures in Redis per user
// name and per client address. With TRUST_PROXY off (the default) or naming a proxy the request did not come
// through, the header is ignored: the client is the direct peer, and after LOGIN_MAX_FAILURES failures every
// attempt — the right password too — gets 429 with the wait on the page and in Retry-After. With TRUST_PROXY
// naming the proxy in front (here the loopback address the requests come from) the address counted is the
// forwarded one: each forwarded address has its own limit.
import { randomBytes } from 'node:crypto';
import { type RunningConsole, startConsole } from '@connector/console';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConsoleSession } from '../src/security/console-session.js';
import { CONSOLE_PASSWORD, CONSOLE_USER, quietLogger, type Stack, startStack } from '../src/stack.js';
import { reportFaultCounts, tally } from './fault-counts.js';

const LIMIT = 5;
const ATTEMPTS = 30;
/** LOGIN_WINDOW_MINUTES: the wait a refused attempt is told is at most this. */
const WINDOW_MINUTES = 4;
const throttleEnv = { LOGIN_MAX_FAILURES: String(LIMIT), LOGIN_WINDOW_MINUTES: String(WINDOW_MINUTES) };

interface Attempt {
  forwardedFor: string;
  status: number;
  retryAfter: number;
  page: string;
}

let stack: Stack;
/** More consoles on the stack's database and Redis, each with its own TRUST_PROXY and its own counters. */
const consoles: RunningConsole[] = [];

beforeAll(async () => {
  stack = await startStack({ console: { env: throttleEnv } });
}, 120_000);
afterAll(async () => {
  for (const running of consoles) await running.close();
  await stack?.close();
});

async function consoleTrusting(trustProxy: string): Promise<RunningConsole> {
  const running = await startConsole({
    host: '127.0.0.1',
    env: {
      ...stack.env,
      // Its own throttle counters (they live under the queue prefix).
      QUEUE_PREFIX: `{${randomBytes(6).toString('hex')}}`,
      PUBLIC_URL: 'https://connector.example.test',
      TRIGGER_URL: stack.triggerUrl,
      CONSOLE_USER,
      CONSOLE_PASSWORD,
      NODE_ENV: 'development',
      TRUST_PROXY: trustProxy,
      ...throttleEnv,
    },
    logger: quietLogger('console'),
  });
  consoles.push(running);
  return running;
}

/** One sign-in from a fresh session (a guesser keeps no cookies) claiming to come from `forwardedFor`. */
async function signIn(
  baseUrl: string,
  user: string,
  password: string,
  forwardedFor: string,
): Promise<Attempt> {
  const response = await new ConsoleSession(baseUrl).submitLogin(user, password, {
    'x-forwarded-for': forwardedFor,
  });
  return {
    forwardedFor,
    status: response.status,
    retryAfter: Number(response.headers.get('retry-after') ?? 0),
    page: await response.text(),
  };
}

/** ATTEMPTS wrong passwords, each under a new user name and a new X-Forwarded-For. */
async function rotatingGuesses(baseUrl: string): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  for (let index = 0; index < ATTEMPTS; index += 1) {
    attempts.push(await signIn(baseUrl, `guess-${index}`, 'wrong password', `203.0.113.${index + 1}`));
  }
  return attempts;
}

/**
 * Prints the counts through the fault suite's printer: "accepted" are the attempts taken to the password
 * check (not refused with 429), and their outcome ("exported") is the 401 of the wrong password.
 */
function report(scenario: string, attempts: Attempt[]): { accepted: number; refused: number } {
  const refused = attempts.filter(({ status }) => status === 429).length;
  const counts = tally(
    attempts,
    ({ status }) => status !== 429,
    ({ status }) => (status === 401 ? 1 : 0),
  );
  reportFaultCounts(scenario, counts, { refused429: refused }, { refusedAllowed: true });
  return { accepted: counts.accepted, refused };
}

function expectWaitShown(refused: Attempt): void {
  expect(refused.retryAfter).toBeGreaterThan(0);
  expect(refused.retryAfter).toBeLessThanOrEqual(WINDOW_MINUTES * 60);
  expect(refused.page).toContain('Слишком много неудачных попыток входа. Повторите через');
}

describe('sign-in throttle against a rotating X-Forwarded-For', () => {
  it.each([
    ['TRUST_PROXY unset (the default)', undefined],
    ['TRUST_PROXY naming another proxy', '192.0.2.10'],
  ])('%s: the header is ignored, the limit holds and says how long to wait', async (name, trustProxy) => {
    const baseUrl = trustProxy === undefined ? stack.console!.url : (await consoleTrusting(trustProxy)).url;
    const attempts = await rotatingGuesses(baseUrl);
    const { accepted, refused } = report(`rotating X-Forwarded-For, ${name}`, attempts);
    expect({ accepted, refused }).toEqual({ accepted: LIMIT, refused: ATTEMPTS - LIMIT });
    expect(attempts.slice(LIMIT).every(({ status }) => status === 429)).toBe(true);
    for (const attempt of attempts.slice(LIMIT)) expectWaitShown(attempt);
    // The operator's right password from yet another claimed address: refused too, until the window ends.
    const operator = await signIn(baseUrl, CONSOLE_USER, CONSOLE_PASSWORD, '198.51.100.7');
    expect(operator.status).toBe(429);
    expectWaitShown(operator);
  });

  it('TRUST_PROXY naming the proxy: the per-address limit follows the forwarded address', async () => {
    const { url } = await consoleTrusting('127.0.0.1');
    // Every forwarded address is a client of its own: none of them reaches its limit.
    const rotating = await rotatingGuesses(url);
    expect(report('rotating X-Forwarded-For, TRUST_PROXY naming the proxy', rotating)).toEqual({
      accepted: ATTEMPTS,
      refused: 0,
    });

    // One forwarded address guessing under ever new user names is stopped at its limit; another is not.
    const guesser = '203.0.113.200';
    const fromOne: Attempt[] = [];
    for (let index = 0; index < LIMIT + 3; index += 1) {
      fromOne.push(await signIn(url, `other-guess-${index}`, 'wrong password', guesser));
    }
    expect(report('one forwarded address, TRUST_PROXY naming the proxy', fromOne)).toEqual({
      accepted: LIMIT,
      refused: 3,
    });
    expectWaitShown(fromOne.at(-1)!);
    expect((await signIn(url, CONSOLE_USER, CONSOLE_PASSWORD, guesser)).status).toBe(429);
    expect((await signIn(url, CONSOLE_USER, CONSOLE_PASSWORD, '198.51.100.8')).status).toBe(303);
  });
});
