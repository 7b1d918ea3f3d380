import base from '../../jest.config.base.js';

/**
 * The end-to-end suite (src/), the fault suite (faults/, also run alone by `pnpm test:faults`) and the
 * benchmarks' own unit tests (bench/; the benchmarks themselves run by `pnpm bench`).
 */
export default {
  ...base,
  testMatch: [...base.testMatch, '<rootDir>/faults/**/*.test.ts', '<rootDir>/bench/**/*.test.ts'],
};
