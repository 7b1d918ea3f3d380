// The figures every benchmark prints, and docs/BENCHMARKS.md rendered from them.
import type { BenchName, BenchOptions } from './bench-options.js';
import type { Machine } from './machine.js';

export interface Figure {
  /** What was measured, e.g. "ingress p99 at 1,000 req/s". */
  name: string;
  /** The measured value with its unit. */
  measured: string;
  /** The issue's target, when the figure has one. */
  target?: string;
  pass?: boolean;
  /** For a miss: why, and what would fix it (what this run's numbers show, in the benchmark's words). */
  missReason?: string;
}

export interface BenchResult {
  name: BenchName;
  title: string;
  /** How it was measured (one paragraph). */
  method: string;
  figures: Figure[];
  /** More numbers: a markdown table or list. */
  details: string;
}

function verdict(figure: Figure): string {
  if (figure.pass === undefined) return '—';
  return figure.pass ? 'pass' : '**MISS**';
}

function figureTable(figures: readonly Figure[]): string {
  const rows = figures.map(
    (figure) => `| ${figure.name} | ${figure.measured} | ${figure.target ?? '—'} | ${verdict(figure)} |`,
  );
  return ['| Figure | Measured | Target | Result |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Plain text for the console. */
export function printResult(result: BenchResult): string {
  const lines = result.figures.map(
    (figure) =>
      `  ${figure.name}: ${figure.measured}${figure.target ? `  (target ${figure.target}: ${figure.pass ? 'pass' : 'MISS'})` : ''}`,
  );
  return [`== ${result.title}`, ...lines].join('\n');
}

export function renderReport(
  options: BenchOptions,
  machine: Machine,
  results: readonly BenchResult[],
): string {
  const busy = Math.max(machine.loadStart, machine.loadEnd ?? 0) > machine.cpus * 0.75;
  const misses = results.flatMap((result) =>
    result.figures.filter((figure) => figure.pass === false).map((figure) => ({ result, figure })),
  );
  const out: string[] = [];
  out.push('# Benchmarks');
  out.push('');
  out.push(
    `Written by \`pnpm bench\` (apps/e2e/bench) from the figures of the run below — re-running it rewrites this file. ` +
      'Every figure is measured against the sandbox simulators on this machine (127.0.0.1); the tests assert ' +
      'behaviour only, never these times.',
  );
  out.push('');
  out.push('## Machine and run');
  out.push('');
  out.push('| | |');
  out.push('| --- | --- |');
  out.push(`| Date | ${machine.date} |`);
  out.push(`| CPUs (nproc) | ${machine.cpus} × ${machine.cpuModel} |`);
  out.push(`| Memory | ${machine.memoryGiB} GiB |`);
  out.push(`| Node | ${machine.node} |`);
  out.push(`| OS | ${machine.kernel} |`);
  out.push(`| Commit | ${machine.commit} |`);
  out.push(`| Sizes | ${options.size} |`);
  out.push(
    `| 1-min load average | ${machine.loadStart.toFixed(2)} at the start, ${(machine.loadEnd ?? Number.NaN).toFixed(2)} at the end |`,
  );
  out.push('');
  if (busy) {
    out.push(
      `> **Load caveat:** the machine was shared while this ran (load average above ${machine.cpus * 0.75} on ` +
        `${machine.cpus} cores): other processes took CPU from the connector, the simulators and the load ` +
        'generator alike. Throughput and latency figures are lower bounds of what a quiet machine gives; ' +
        're-run `pnpm bench` on a quiet machine for clean numbers.',
    );
    out.push('');
  }
  out.push('## Summary');
  out.push('');
  out.push(figureTable(results.flatMap((result) => result.figures.filter((figure) => figure.target))));
  out.push('');
  for (const result of results) {
    out.push(`## ${result.title}`);
    out.push('');
    out.push(result.method);
    out.push('');
    out.push(figureTable(result.figures));
    out.push('');
    if (result.details) {
      out.push(result.details);
      out.push('');
    }
  }
  out.push('## Targets missed: why, and what would fix it');
  out.push('');
  if (misses.length === 0) out.push('None in this run.');
  for (const { result, figure } of misses) {
    out.push(`- **${figure.name}** (${result.title}): measured ${figure.measured}, target ${figure.target}.`);
    if (figure.missReason) out.push(`  ${figure.missReason}`);
  }
  out.push('');
  out.push('## How to run');
  out.push('');
  out.push('```');
  out.push('pnpm bench                              # full sizes, rewrites docs/BENCHMARKS.md (~40 min)');
  out.push('pnpm bench --small                      # small sizes, prints only (about five minutes)');
  out.push('pnpm bench --only=ingress,queue         # some of them; add --out=<file> to write a report');
  out.push('```');
  out.push('');
  out.push(
    'It builds the ingress and the export worker, starts its own PostgreSQL (or uses DATABASE_URL) and Redis ' +
      'from the local binaries, the ingress and the sync worker in its process, the sandbox (benchmarks 2 and 4), ' +
      'the ingress (benchmark 1), the export worker (benchmarks 2 and 4, from its built dist with the production ' +
      'NODE_OPTIONS; `--source-worker` runs it through tsx instead) and the webhook worker (benchmark 4) as ' +
      'processes of their own.',
  );
  out.push('');
  return out.join('\n');
}
