import base from '../../jest.config.base.js';

/** The end-to-end suite (src/) and the fault suite (faults/, also run alone by `pnpm test:faults`). */
export default {
  ...base,
  testMatch: [...base.testMatch, '<rootDir>/faults/**/*.test.ts'],
};
