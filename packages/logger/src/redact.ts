/**
 * Secret redaction applied to every log record: by field name, by recognisable patterns inside strings
 * (query parameters, headers, JSON fragments, bearer tokens), and by exact value for secrets the process
 * has registered (decrypted API keys and passwords), wherever they appear.
 */

export const REDACTED = '[REDACTED]';

const SECRET_KEY =
  /^(?:x-api-key|api[-_]?key|apikey|authorization|proxy-authorization|cookie|set-cookie|password|passwd|pass|secret|secrets?_key|client[-_]?secret|token|access[-_]?token|refresh[-_]?token|id[-_]?token|notification[-_]?token|session)$/i;

// key=value / key: value / "key":"value" forms for the same names, and bearer credentials.
const INLINE_PATTERNS: RegExp[] = [
  /((?:x-api-key|api[-_]?key|apikey|password|passwd|secret|token|access[-_]?token|refresh[-_]?token)["']?\s*[:=]\s*["']?)([^"'\s&,;}]+)/gi,
  /(authorization["']?\s*[:=]\s*["']?(?:bearer|basic)?\s*)([^"'\s&,;}]+)/gi,
  /(\bbearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi,
];

const knownSecrets = new Set<string>();

/** Registers a secret value (≥ 6 characters) to be masked wherever it appears in later log records. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 6) knownSecrets.add(value);
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactString(input: string): string {
  let output = input;
  for (const secret of knownSecrets) {
    if (output.includes(secret)) output = output.split(secret).join(REDACTED);
  }
  for (const pattern of INLINE_PATTERNS) {
    output = output.replace(pattern, (_match, prefix: string) => `${prefix}${REDACTED}`);
  }
  return output;
}

function errorToObject(error: Error): Record<string, unknown> {
  const plain: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.stack) plain.stack = error.stack;
  for (const [key, value] of Object.entries(error)) plain[key] = value;
  if ('cause' in error && error.cause !== undefined) plain.cause = error.cause;
  return plain;
}

/** A deep copy of `value` with every secret masked. Cycles and depth are bounded. */
export function redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[depth limit]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Buffer.isBuffer(value)) return `[buffer ${value.length} bytes]`;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
  const source = value instanceof Error ? errorToObject(value) : (value as Record<string, unknown>);
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) {
    result[key] =
      isSecretKey(key) && item !== undefined && item !== null ? REDACTED : redactValue(item, depth + 1, seen);
  }
  return result;
}
