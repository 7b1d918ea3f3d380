// `pnpm bench`: runs the benchmarks against the sandbox on this machine, prints every figure
// and (at full size, or with --out) writes docs/BENCHMARKS.md with the machine, the date, each figure's
// target and whether it was met; a run of some of them (--only) replaces only their sections in it. See
// bench-options.ts for the sizes and flags.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BENCH_NAMES, type BenchName, type BenchOptions, parseBenchOptions } from './bench-options.js';
import { type BenchServices, startBenchServices } from './bench-services.js';
import { runIdleShopsBench } from './idle-shops-bench.js';
import { runIngressBench } from './ingress-bench.js';
import { describeMachine, type Machine } from './machine.js';
import { runPipelineBench } from './pipeline-bench.js';
import { runQueueOverheadBench } from './queue-overhead-bench.js';
import { type BenchResult, printResult, renderReport } from './report.js';
import { isBenchReport, mergeReport } from './report-merge.js';
import { runWritebackBench } from './writeback-bench.js';

const log = (line: string) => console.log(line);

const RUNNERS: Record<BenchName, (services: BenchServices, options: BenchOptions) => Promise<BenchResult>> = {
  ingress: (services, options) => runIngressBench(services, options.ingress, log),
  pipeline: (services, options) => runPipelineBench(services, options.pipeline, log),
  queue: (services, options) => runQueueOverheadBench(services, options.queue, log),
  writeback: (services, options) => runWritebackBench(services, options.writeback, log),
  'idle-shops': (services, options) => runIdleShopsBench(services, options.idleShops, log),
};

async function existingReport(out: string): Promise<string | undefined> {
  try {
    const text = await readFile(out, 'utf8');
    return isBenchReport(text) ? text : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A run of every benchmark writes the whole report; a run of some replaces only their sections in it. */
async function writeReport(
  out: string,
  options: BenchOptions,
  machine: Machine,
  results: readonly BenchResult[],
): Promise<void> {
  const some = BENCH_NAMES.some((name) => !options.only.includes(name));
  const existing = some ? await existingReport(out) : undefined;
  await mkdir(path.dirname(out), { recursive: true });
  if (existing === undefined) {
    await writeFile(out, renderReport(options, machine, results));
    log(`\nreport written to ${out}`);
    return;
  }
  await writeFile(out, mergeReport(existing, options, machine, results));
  log(`\n${results.map((result) => result.title).join(', ')} written into ${out} (its other sections kept)`);
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const machine = describeMachine();
  log(
    `benchmarks (${options.size}): ${options.only.join(', ')} — ${machine.cpus} CPUs, ${machine.memoryGiB} GiB, Node ${machine.node}, load ${machine.loadStart.toFixed(2)}`,
  );
  const services = await startBenchServices();
  // Ctrl-C (or a kill) mid-run still stops the benchmark's PostgreSQL and Redis; the app processes it
  // started exit by themselves once it is gone (faults/parent-leash.mjs).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`\n${signal}: stopping the benchmark's services`);
      void services.dispose().finally(() => process.exit(130));
    });
  }
  const results: BenchResult[] = [];
  try {
    for (const name of options.only) {
      log(`\n-- ${name}`);
      const result = await RUNNERS[name](services, options);
      results.push(result);
      log(printResult(result));
    }
  } finally {
    await services.dispose();
  }
  machine.loadEnd = os.loadavg()[0] ?? 0;
  if (options.out) await writeReport(options.out, options, machine, results);
  const missed = results.flatMap((result) => result.figures).filter((figure) => figure.pass === false);
  log(
    missed.length === 0 ? '\nevery target met' : `\ntargets missed: ${missed.map((f) => f.name).join('; ')}`,
  );
}

// The dedicated Redis is an unref'ed child process: waiting for it to stop must not let the loop drain.
setInterval(() => {}, 60_000);
await main().then(
  // Timers of clients closed during the run must not keep the benchmark alive.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
