import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { REDACTED, redactString, registerSecret } from './redact.js';

// Registered secrets are process-wide: each test uses values of its own.
const unique = (label: string) => `${label}-${randomBytes(6).toString('hex')}`;

describe('registered secrets', () => {
  it('masks each occurrence: at the start, the end, adjacent, inside words and across unicode', () => {
    const a = unique('alpha');
    const b = unique('bravo');
    registerSecret(a);
    registerSecret(b);
    expect(redactString(`${a}`)).toBe(REDACTED);
    expect(redactString(`${a}${b}`)).toBe(`${REDACTED}${REDACTED}`);
    expect(redactString(`x${a}y ${b}`)).toBe(`x${REDACTED}y ${REDACTED}`);
    expect(redactString(`ключ «${a}» 🔑${b}🔑`)).toBe(`ключ «${REDACTED}» 🔑${REDACTED}🔑`);
    expect(redactString(a.slice(0, -1))).toBe(a.slice(0, -1));
    expect(redactString('short')).toBe('short');
  });

  it('masks the longest of secrets that start alike', () => {
    const short = unique('sharedprefix');
    const long = `${short}-and-more`;
    registerSecret(short);
    registerSecret(long);
    expect(redactString(`[${long}] [${short}]`)).toBe(`[${REDACTED}] [${REDACTED}]`);
  });

  it('ignores values shorter than 6 characters', () => {
    registerSecret('abc12');
    expect(redactString('abc12 abc123')).toBe('abc12 abc123');
  });

  it('finds any of thousands of secrets, as a plain search for each would', () => {
    const secrets = Array.from({ length: 4_000 }, (_, i) => unique(`tenant${i}`));
    for (const secret of secrets) registerSecret(secret);
    for (let round = 0; round < 50; round += 1) {
      const picked = [0, 1, 2].map(() => secrets[Math.floor(Math.random() * secrets.length)]!);
      const text = `GET /orders?key=${picked[0]} → ${picked[1]}|${picked[2]} tail`;
      expect(redactString(text)).toBe(`GET /orders?key=${REDACTED} → ${REDACTED}|${REDACTED} tail`);
    }
  });
});
