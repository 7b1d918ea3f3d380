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

/** Registered secrets are at least this long; they are found by their first PREFIX characters. */
const PREFIX = 6;
const BASE = 31;
/** BASE^(PREFIX-1) mod 2^32, to drop the leading character from a rolling hash. */
const LEAD = Array.from({ length: PREFIX - 1 }).reduce<number>((power) => Math.imul(power, BASE) >>> 0, 1);

/**
 * Registered secrets by a hash of their first PREFIX characters, longest first within a bucket. A
 * process of a multi-tenant connector knows two secrets per tenant: scanning a string once, whatever their
 * number, keeps masking as cheap with thousands of tenants as with one (every log record and timeline
 * entry goes through it).
 */
const secretsByPrefix = new Map<number, string[]>();
const knownSecrets = new Set<string>();

function prefixHash(text: string, start: number): number {
  let hash = 0;
  for (let i = start; i < start + PREFIX; i += 1) hash = (Math.imul(hash, BASE) + text.charCodeAt(i)) >>> 0;
  return hash;
}

/** Registers a secret value (≥ 6 characters) to be masked wherever it appears in later log records. */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < PREFIX || knownSecrets.has(value)) return;
  knownSecrets.add(value);
  const hash = prefixHash(value, 0);
  const bucket = [...(secretsByPrefix.get(hash) ?? []), value].sort((a, b) => b.length - a.length);
  secretsByPrefix.set(hash, bucket);
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Replaces every registered secret in `input` (the longest one where several start at a position). */
function maskKnownSecrets(input: string): string {
  if (secretsByPrefix.size === 0 || input.length < PREFIX) return input;
  let output = '';
  let copied = 0;
  let hash = prefixHash(input, 0);
  for (let at = 0; at + PREFIX <= input.length; ) {
    const secret = secretsByPrefix.get(hash)?.find((candidate) => input.startsWith(candidate, at));
    if (secret !== undefined) {
      output += input.slice(copied, at) + REDACTED;
      at += secret.length;
      copied = at;
      if (at + PREFIX <= input.length) hash = prefixHash(input, at);
      continue;
    }
    if (at + PREFIX < input.length) {
      // Roll the window one character on: drop input[at], take input[at + PREFIX].
      const dropped = Math.imul(input.charCodeAt(at), LEAD) >>> 0;
      hash = (Math.imul((hash - dropped) >>> 0, BASE) + input.charCodeAt(at + PREFIX)) >>> 0;
    }
    at += 1;
  }
  return copied === 0 ? input : output + input.slice(copied);
}

export function redactString(input: string): string {
  let output = maskKnownSecrets(input);
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
