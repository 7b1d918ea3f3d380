// Shared Jest setup: ESM + SWC, sources resolved through the "source" export condition,
// one real Redis and one real PostgreSQL per Jest run (started by testkit unless given).
import { fileURLToPath } from 'node:url';

const testkit = fileURLToPath(new URL('./packages/testkit/src/', import.meta.url));
const resultsReporter = fileURLToPath(new URL('./scripts/jest-results-reporter.mjs', import.meta.url));

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023', keepClassNames: true },
        module: { type: 'es6' },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironmentOptions: { customExportConditions: ['source', 'node', 'node-addons'] },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  globalSetup: `${testkit}jest-global-setup.mjs`,
  globalTeardown: `${testkit}jest-global-teardown.mjs`,
  reporters: ['default', resultsReporter],
  testTimeout: 60_000,
  maxWorkers: 2,
};
