import { describe, expect, it } from '@jest/globals';
import { stableGuid } from './index.js';

describe('stableGuid', () => {
  it('is a version-5 UUID that depends only on the parts', () => {
    const guid = stableGuid('sale', 'c0ffee', 6722, 1);
    expect(guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableGuid('sale', 'c0ffee', 6722, 1)).toBe(guid);
  });

  it.each([
    [['sale', 'c0ffee', 6722, 2]],
    [['sale', 'c0ffee', 67221]],
    [['sale', 'c0ffee6722', 1]],
    [['refund', 'c0ffee', 6722, 1]],
  ])('differs for other parts %j', (parts) => {
    expect(stableGuid(...parts)).not.toBe(stableGuid('sale', 'c0ffee', 6722, 1));
  });
});
