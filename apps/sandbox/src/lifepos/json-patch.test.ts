import { describe, expect, it } from '@jest/globals';
import { LifePosApiError } from './errors.js';
import { applyJsonPatch } from './json-patch.js';

const document = () => ({ name: 'A', tags: ['x', 'y'], extensions: { a: { on: true } }, 'slash/key': 1 });

describe('applyJsonPatch (RFC 6902, all-or-nothing)', () => {
  it('applies add, remove, replace, move, copy and test', () => {
    const result = applyJsonPatch(document(), [
      { op: 'test', path: '/name', value: 'A' },
      { op: 'replace', path: '/name', value: 'B' },
      { op: 'add', path: '/tags/-', value: 'z' },
      { op: 'add', path: '/tags/0', value: 'w' },
      { op: 'remove', path: '/tags/1' },
      { op: 'add', path: '/extensions/notification_service', value: { turned_on: true } },
      { op: 'copy', from: '/name', path: '/copy' },
      { op: 'move', from: '/copy', path: '/moved' },
      { op: 'replace', path: '/slash~1key', value: 2 },
    ]);
    expect(result).toEqual({
      name: 'B',
      tags: ['w', 'y', 'z'],
      extensions: { a: { on: true }, notification_service: { turned_on: true } },
      moved: 'B',
      'slash/key': 2,
    });
  });

  it('leaves the input untouched and fails as a whole when one operation fails', () => {
    const input = document();
    expect(() =>
      applyJsonPatch(input, [
        { op: 'replace', path: '/name', value: 'changed' },
        { op: 'test', path: '/tags/0', value: 'nope' },
      ]),
    ).toThrow(LifePosApiError);
    expect(input.name).toBe('A');
  });

  it.each([
    [{ op: 'replace' as const, path: '/missing', value: 1 }, "Path '/missing' does not exist"],
    [{ op: 'remove' as const, path: '/tags/5' }, 'Array index out of range'],
    [{ op: 'add' as const, path: '/extensions/a/deep/er', value: 1 }, 'does not exist'],
    [{ op: 'add' as const, path: 'name', value: 1 }, 'Invalid JSON pointer'],
    [{ op: 'replace' as const, path: '/name' }, 'needs a value'],
    [{ op: 'move' as const, path: '/tags/0' }, "needs 'from'"],
  ])('rejects %j with 422 RequestIsNotValid', (operation, message) => {
    try {
      applyJsonPatch(document(), [operation]);
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(LifePosApiError);
      expect((error as LifePosApiError).status).toBe(422);
      expect((error as LifePosApiError).code).toBe('RequestIsNotValid');
      expect((error as LifePosApiError).message).toContain(message);
    }
  });
});
