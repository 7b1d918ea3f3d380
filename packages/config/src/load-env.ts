import { z } from 'zod';

/** Thrown when the environment does not satisfy an app's schema; the message names every bad variable. */
export class EnvError extends Error {
  constructor(
    readonly app: string,
    readonly problems: ReadonlyArray<{ variable: string; message: string }>,
  ) {
    super(`${app}: invalid environment\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

/**
 * Parses `source` (default process.env) with an app's own schema, built from the shared pieces in
 * `env-pieces.ts`. Keys of the shape are the variable names.
 */
export function parseEnv<Shape extends z.ZodRawShape>(
  app: string,
  shape: Shape,
  source: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<Shape>> {
  // Empty strings count as unset, as a shell `FOO=` usually means "not configured".
  const cleaned = Object.fromEntries(
    Object.keys(shape).map((key) => [key, source[key] === '' ? undefined : source[key]]),
  );
  const result = z.object(shape).safeParse(cleaned);
  if (result.success) return result.data;
  throw new EnvError(
    app,
    result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '(environment)');
      const unset = issue.code === 'invalid_type' && cleaned[variable] === undefined;
      return { variable, message: unset ? 'is required but not set' : issue.message };
    }),
  );
}

/**
 * `parseEnv` for an app's entry point: on failure prints the problems to stderr and exits 1,
 * before any logger exists (the logger's level itself comes from the environment).
 */
export function loadEnvOrExit<Shape extends z.ZodRawShape>(
  app: string,
  shape: Shape,
  source: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<Shape>> {
  try {
    return parseEnv(app, shape, source);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
