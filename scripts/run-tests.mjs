// `pnpm test`: lint, typecheck, then every package's tests one package at a time (they start their own
// Redis/PostgreSQL and some measure time windows, so they should not fight for the 2 cores), then one
// summary line over all packages. Exits non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const workspaces = ['apps', 'packages'].flatMap((dir) =>
  readdirSync(path.join(root, dir)).map((name) => path.join(root, dir, name)),
);
const resultFile = (ws) => path.join(ws, '.jest-results.json');
for (const ws of workspaces) rmSync(resultFile(ws), { force: true });

const steps = [
  ['lint', ['exec', 'biome', 'check', '.']],
  ['typecheck', ['exec', 'turbo', 'run', 'typecheck', '--output-logs=errors-only']],
  ['test', ['exec', 'turbo', 'run', 'test', '--concurrency=1', '--continue', ...process.argv.slice(2)]],
];
const failedSteps = [];
for (const [name, args] of steps) {
  console.log(`\n=== ${name} ===`);
  const { status } = spawnSync('pnpm', args, { cwd: root, stdio: 'inherit' });
  if (status !== 0) failedSteps.push(name);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const ws of workspaces) {
  if (!existsSync(path.join(ws, 'jest.config.js'))) continue;
  if (!existsSync(resultFile(ws))) {
    missing.push(path.relative(root, ws));
    continue;
  }
  const results = JSON.parse(readFileSync(resultFile(ws), 'utf8'));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  skipped += results.numPendingTests + results.numTodoTests;
}
console.log('');
if (missing.length > 0) console.log(`no test results from: ${missing.join(', ')}`);
if (failedSteps.length > 0) console.log(`failed steps: ${failedSteps.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failedSteps.length > 0 || failed > 0 || missing.length > 0 ? 1 : 0);
