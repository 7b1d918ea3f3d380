import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { decryptSecret, encryptSecret, SecretDecryptionError } from './secret-box.js';

const key = randomBytes(32);
const here = { connectionId: '5d0c9a52-3f6e-4a8e-9a57-0d1f2c3b4a59', field: 'retailcrmApiKeyEnc' };

describe('secret box', () => {
  it('round-trips a secret and never repeats a ciphertext', () => {
    const secret = 'Xk39fLq0sQ2pZm7Rtb1C — ключ';
    const first = encryptSecret(key, secret, here);
    const second = encryptSecret(key, secret, here);
    expect(first).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('Xk39');
    expect(decryptSecret(key, first, here)).toBe(secret);
    expect(decryptSecret(key, second, here)).toBe(secret);
  });

  it.each([
    ['another key', () => [randomBytes(32), here] as const],
    [
      'another connection',
      () => [key, { ...here, connectionId: 'b1d9d0d8-0b0a-4c55-8a43-4e1f3f6f8e10' }] as const,
    ],
    ['another field', () => [key, { ...here, field: 'lifeposPasswordEnc' }] as const],
  ])('refuses to decrypt under %s', (_case, other) => {
    const stored = encryptSecret(key, 'secret-value', here);
    const [otherKey, otherPlace] = other();
    expect(() => decryptSecret(otherKey, stored, otherPlace)).toThrow(SecretDecryptionError);
    expect(() => decryptSecret(otherKey, stored, otherPlace)).toThrow(/authentication failed/);
  });

  it('refuses a tampered or malformed value', () => {
    const stored = encryptSecret(key, 'secret-value', here);
    const [format, iv, tag, ciphertext] = stored.split(':') as [string, string, string, string];
    const flipped = Buffer.from(ciphertext, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const tampered = [format, iv, tag, flipped.toString('base64')].join(':');

    expect(() => decryptSecret(key, tampered, here)).toThrow(SecretDecryptionError);
    expect(() => decryptSecret(key, 'plaintext-api-key', here)).toThrow(/not in the v1 format/);
    expect(() => decryptSecret(key, `v1:${iv}:AAAA:${ciphertext}`, here)).toThrow(/malformed/);
    expect(() => decryptSecret(key, stored, here)).not.toThrow();
  });

  it('names the row and field in the error', () => {
    const error = (() => {
      try {
        decryptSecret(randomBytes(32), encryptSecret(key, 'secret-value', here), here);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(SecretDecryptionError);
    expect((error as SecretDecryptionError).location).toEqual(here);
    expect((error as Error).message).toContain(`retailcrmApiKeyEnc of connection ${here.connectionId}`);
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => encryptSecret(randomBytes(16), 'secret-value', here)).toThrow(/exactly 32 bytes/);
  });
});
