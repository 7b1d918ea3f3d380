// The process stack of one fault-test file. Apart from process-stack.ts, which the benchmarks import too
// and which therefore must not touch Jest's globals.
import { testRedisUrl } from '@connector/testkit';
import { afterAll, beforeAll } from '@jest/globals';
import { type ProcessStack, type ProcessStackOptions, startProcessStack } from './process-stack.js';

/**
 * Starts the stack before the file's tests (on the shared test Redis unless `options` say otherwise) and
 * closes it after them. Returns a getter: the stack exists once `beforeAll` has run.
 */
export function useProcessStack(options: Partial<ProcessStackOptions> = {}): () => ProcessStack {
  let stack: ProcessStack | undefined;
  beforeAll(async () => {
    stack = await startProcessStack({ redisUrl: testRedisUrl(), ...options });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  }, 60_000);
  return () => {
    if (!stack) throw new Error('the process stack is started in beforeAll');
    return stack;
  };
}
