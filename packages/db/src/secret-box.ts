import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets at rest: AES-256-GCM under SECRETS_KEY, stored as `v1:<iv>:<tag>:<ciphertext>` (base64 parts).
 * The associated data names the row and field the value belongs to, so a ciphertext copied into another
 * connection or another column fails authentication instead of decrypting into the wrong credentials.
 */

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** Where a secret lives: it only decrypts there. */
export interface SecretLocation {
  connectionId: string;
  field: string;
}

export class SecretDecryptionError extends Error {
  constructor(
    readonly location: SecretLocation,
    reason: string,
  ) {
    super(`Cannot decrypt ${location.field} of connection ${location.connectionId}: ${reason}`);
    this.name = 'SecretDecryptionError';
  }
}

export function assertSecretsKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES)
    throw new TypeError(`The secrets key must be a Buffer of exactly ${KEY_BYTES} bytes (SECRETS_KEY)`);
}

function associatedData({ connectionId, field }: SecretLocation): Buffer {
  return Buffer.from(JSON.stringify(['Connection', connectionId, field]), 'utf8');
}

export function encryptSecret(key: Buffer, plaintext: string, location: SecretLocation): string {
  return seal(key, plaintext, associatedData(location));
}

function seal(key: Buffer, plaintext: string, aad: Buffer): string {
  assertSecretsKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [FORMAT, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64')))
    .join(':');
}

export function decryptSecret(key: Buffer, stored: string, location: SecretLocation): string {
  return open(key, stored, associatedData(location), (reason) => new SecretDecryptionError(location, reason));
}

function open(key: Buffer, stored: string, aad: Buffer, fail: (reason: string) => Error): string {
  assertSecretsKey(key);
  const parts = stored.split(':');
  if (parts.length !== 4 || parts[0] !== FORMAT)
    throw fail(`the stored value is not in the ${FORMAT} format`);
  const [iv, tag, ciphertext] = parts.slice(1).map((part) => Buffer.from(part, 'base64'));
  if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || !ciphertext)
    throw fail('the stored value is malformed');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw fail(
      'authentication failed (wrong SECRETS_KEY, or the value was altered or belongs to another row or field)',
    );
  }
}

/**
 * Secrets kept outside the database under SECRETS_KEY, each bound to the name of the place it is kept
 * (e.g. the Redis key of a LIFE POS access token): a value copied to another name does not decrypt.
 * Structurally the `TokenCipher` of @connector/queue's token store.
 */
export interface NamedSecretCipher {
  encrypt(name: string, plaintext: string): string;
  /** Throws when the value was sealed under another key or name, altered, or never sealed. */
  decrypt(name: string, stored: string): string;
}

export function createNamedSecretCipher(key: Buffer, purpose: string): NamedSecretCipher {
  assertSecretsKey(key);
  const aad = (name: string) => Buffer.from(JSON.stringify([purpose, name]), 'utf8');
  return {
    encrypt: (name, plaintext) => seal(key, plaintext, aad(name)),
    decrypt: (name, stored) =>
      open(
        key,
        stored,
        aad(name),
        (reason) => new Error(`Cannot decrypt the ${purpose} at ${name}: ${reason}`),
      ),
  };
}

/** The cipher of LIFE POS access tokens in Redis. */
export const createTokenCipher = (key: Buffer): NamedSecretCipher =>
  createNamedSecretCipher(key, 'RedisToken');
