import { createHash } from 'node:crypto';

/** Namespace of the connector's name-based guids (RFC 9562 §5.5); any fixed UUID would do. */
const NAMESPACE = Buffer.from('6f1c2a0e7c7b4e0f9a52c3d1b8e4a901', 'hex');

/**
 * A UUIDv5 of the given parts: the same parts always give the same guid. Sent as the client-supplied `guid`
 * of a LIFE POS object so that repeating a create (a lost response, a job run twice) answers `Duplicate`
 * instead of creating a second object.
 */
export function stableGuid(...parts: ReadonlyArray<string | number>): string {
  const name = parts.map(String).join('\u001f');
  const bytes = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
