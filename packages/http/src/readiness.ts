import { type Logger, redactString } from '@connector/logger';
import type { RequestHandler } from 'express';

export interface ReadinessCheck {
  /** Shown in the /readyz answer and the logs; unique within an app. */
  name: string;
  /** Resolves when the dependency is usable, rejects (with the reason) when it is not. */
  check: () => Promise<void>;
  /** Overrides the app's readiness timeout for this check. */
  timeoutMs?: number;
  /**
   * false: a failure is reported (in `checks` and `down`) but leaves the app ready — a dependency the app
   * keeps working without for a while (the ingress answers known connections while PostgreSQL is down).
   * Default true.
   */
  required?: boolean;
}

export type CheckResult =
  | { status: 'ok'; durationMs: number }
  | { status: 'failed'; durationMs: number; error: string };

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  checks: Record<string, CheckResult>;
  /** What is down: the names of the failed checks, also of those the app is ready without. */
  down: string[];
}

async function withTimeout(run: () => Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // A check that hangs keeps running in the background; /readyz answers anyway.
    await Promise.race([Promise.resolve().then(run), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactString(message || (error instanceof Error ? error.name : 'failed'));
}

async function runCheck(check: ReadinessCheck, defaultTimeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  try {
    await withTimeout(check.check, check.timeoutMs ?? defaultTimeoutMs);
    return { status: 'ok', durationMs: durationMs() };
  } catch (error) {
    return { status: 'failed', durationMs: durationMs(), error: reasonOf(error) };
  }
}

/** Runs every check at once; the app is ready only when all of its required ones pass. */
export async function runReadiness(
  checks: readonly ReadinessCheck[],
  defaultTimeoutMs: number,
): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((check) => runCheck(check, defaultTimeoutMs)));
  const report: ReadinessReport = { status: 'ready', checks: {}, down: [] };
  checks.forEach((check, index) => {
    const result = results[index]!;
    report.checks[check.name] = result;
    if (result.status !== 'failed') return;
    report.down.push(check.name);
    if (check.required !== false) report.status = 'not_ready';
  });
  return report;
}

/** GET /readyz: 200 with every check's result, or 503 with the failing ones and why. */
export function readinessHandler(
  checks: readonly ReadinessCheck[],
  defaultTimeoutMs: number,
  logger: Logger,
): RequestHandler {
  // Probes come every few seconds: log only when a check changes state, not on every probe.
  const lastStatus = new Map<string, CheckResult['status']>();
  return async (_req, res) => {
    const report = await runReadiness(checks, defaultTimeoutMs);
    for (const [name, result] of Object.entries(report.checks)) {
      const previous = lastStatus.get(name);
      lastStatus.set(name, result.status);
      if (result.status === 'failed' && previous !== 'failed') {
        logger.warn('readiness check failed', { check: name, reason: result.error });
      } else if (result.status === 'ok' && previous === 'failed') {
        logger.info('readiness check recovered', { check: name });
      }
    }
    res.status(report.status === 'ready' ? 200 : 503).json(report);
  };
}

/** The one thing a Redis client needs for a readiness check (ioredis' `ping()` fits). */
export interface PingableRedis {
  ping(): Promise<unknown>;
}

/**
 * Redis answers PING. With a worker connection (offline queue on) a PING waits for the reconnect;
 * the readiness timeout turns that into "not ready" instead of a hanging probe.
 */
export function redisReadiness(
  redis: PingableRedis,
  name = 'redis',
  options: Pick<ReadinessCheck, 'required'> = {},
): ReadinessCheck {
  return {
    name,
    ...options,
    check: async () => {
      const answer = await redis.ping();
      if (answer !== 'PONG') throw new Error(`unexpected answer to PING: ${String(answer)}`);
    },
  };
}

/** The database answers a trivial query, e.g. `sqlReadiness(() => prisma.$queryRaw\`SELECT 1\`)`. */
export function sqlReadiness(
  query: () => Promise<unknown>,
  name = 'postgres',
  options: Pick<ReadinessCheck, 'required'> = {},
): ReadinessCheck {
  return {
    name,
    ...options,
    check: async () => {
      await query();
    },
  };
}
