// Test helpers for worker apps (`@connector/worker-app/testing`): not part of the build, only resolved
// through the "source" condition the test runner uses.
export { expectMissingOrderSkipped } from './missing-order.js';
export {
  FAST_RETRIES,
  type SeededConnection,
  startWorkerFixture,
  type WorkerFixture,
} from './worker-fixture.js';
