// Jest reporter that leaves the run's counts in <package>/.jest-results.json, so `pnpm test` can print
// one summary line over every package.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export default class ResultsFileReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, numRuntimeErrorTestSuites } =
      results;
    writeFileSync(
      path.join(this.rootDir, '.jest-results.json'),
      JSON.stringify({
        numPassedTests,
        numFailedTests: numFailedTests + numRuntimeErrorTestSuites,
        numPendingTests,
        numTodoTests,
      }),
    );
  }
}
