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

/** One run of `pnpm bench` as the report's header shows it: the sections it wrote, and its machine rows. */
export interface RunRecord {
  /** Titles of the sections (benchmarks) this run measured and the report still shows. */
  sections: string[];
  /** The machine and run table's rows (Date, CPUs, …, Commit, Sizes, load average). */
  rows: Array<[string, string]>;
  cpus: number;
  /** The load average was above three quarters of the cores: the figures are lower bounds. */
  busy: boolean;
}

/** One benchmark's section, with its rows of the summary table and its bullets of the targets missed. */
export interface SectionRecord {
  title: string;
  /** The text under its heading: method, figure table, details. */
  body: string;
  summary: string[];
  misses: string[];
}

/** What docs/BENCHMARKS.md shows; the rest (the introduction, how to run) is the same in every report. */
export interface ReportModel {
  runs: RunRecord[];
  sections: SectionRecord[];
}

function missBullets(result: BenchResult): string[] {
  return result.figures
    .filter((figure) => figure.pass === false)
    .map(
      (figure) =>
        `- **${figure.name}** (${result.title}): measured ${figure.measured}, target ${figure.target}.` +
        (figure.missReason ? `\n  ${figure.missReason}` : ''),
    );
}

function sectionOf(result: BenchResult): SectionRecord {
  return {
    title: result.title,
    body: [
      result.method,
      '',
      figureTable(result.figures),
      ...(result.details ? ['', result.details] : []),
    ].join('\n'),
    summary: figureTable(result.figures.filter((figure) => figure.target))
      .split('\n')
      .slice(2),
    misses: missBullets(result),
  };
}

/** The report of one run: its machine, and a section per benchmark it ran. */
export function reportModel(
  options: BenchOptions,
  machine: Machine,
  results: readonly BenchResult[],
): ReportModel {
  const run: RunRecord = {
    sections: results.map((result) => result.title),
    rows: [
      ['Date', machine.date],
      ['CPUs (nproc)', `${machine.cpus} × ${machine.cpuModel}`],
      ['Memory', `${machine.memoryGiB} GiB`],
      ['Node', machine.node],
      ['OS', machine.kernel],
      ['Commit', machine.commit],
      ['Sizes', options.size],
      [
        '1-min load average',
        `${machine.loadStart.toFixed(2)} at the start, ${(machine.loadEnd ?? Number.NaN).toFixed(2)} at the end`,
      ],
    ],
    cpus: machine.cpus,
    // The load at the end is mostly the benchmark's own (its runs keep every core busy): only the load
    // before it started says whether other processes were sharing the machine.
    busy: machine.loadStart > machine.cpus * 0.75,
  };
  return { runs: [run], sections: results.map(sectionOf) };
}

const tableRow = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

/** One column per run; with several, a Sections row says which sections each run wrote. */
function runTable(runs: readonly RunRecord[]): string[] {
  const keys = [...new Set(runs.flatMap((run) => run.rows.map(([key]) => key)))];
  const cell = (run: RunRecord, key: string) => run.rows.find(([k]) => k === key)?.[1] ?? '—';
  const several = runs.length > 1;
  return [
    `| |${several ? runs.map((_, index) => ` Run ${index + 1} |`).join('') : ' |'}`,
    tableRow(['---', ...runs.map(() => '---')]),
    ...(several ? [tableRow(['Sections', ...runs.map((run) => run.sections.join(', '))])] : []),
    ...keys.map((key) => tableRow([key, ...runs.map((run) => cell(run, key))])),
  ];
}

function loadCaveats(runs: readonly RunRecord[]): string[] {
  return runs
    .filter((run) => run.busy)
    .flatMap((run) => [
      `> **Load caveat:** the machine was shared while ${runs.length > 1 ? `the run of ${run.sections.join(', ')}` : 'this'} ` +
        `ran (load average above ${run.cpus * 0.75} on ` +
        `${run.cpus} cores when it started): other processes took CPU from the connector, the simulators and the load ` +
        'generator alike. Throughput and latency figures are lower bounds of what a quiet machine gives; ' +
        're-run `pnpm bench` on a quiet machine for clean numbers.',
      '',
    ]);
}

function header(runs: readonly RunRecord[]): string[] {
  return [
    '# Benchmarks',
    '',
    `Written by \`pnpm bench\` (apps/e2e/bench) from the figures of the run${runs.length > 1 ? 's' : ''} below — ` +
      'a run of every benchmark rewrites this file, a run of some of them (`--only`) replaces only their sections. ' +
      'Every figure is measured against the sandbox simulators on this machine (127.0.0.1); the tests assert ' +
      'behaviour only, never these times.',
    '',
    runs.length > 1 ? '## Machine and runs' : '## Machine and run',
    '',
    ...runTable(runs),
    '',
    ...loadCaveats(runs),
  ];
}

function howToRun(): string[] {
  return [
    '## How to run',
    '',
    '```',
    'pnpm bench                              # full sizes, rewrites docs/BENCHMARKS.md (~40 min)',
    'pnpm bench --small                      # small sizes, prints only (about five minutes)',
    'pnpm bench --only=ingress,queue         # some of them; add --out=<file> to write a report',
    'pnpm bench --only=idle-shops --out      # replaces only that section of docs/BENCHMARKS.md',
    '```',
    '',
    'It builds the ingress and the export worker, starts its own PostgreSQL (or uses DATABASE_URL) and Redis ' +
      'from the local binaries, the ingress and the sync worker in its process, the sandbox (benchmarks 2 and 4), ' +
      'the ingress (benchmark 1), the export worker (benchmarks 2 and 4, from its built dist with the production ' +
      'NODE_OPTIONS; `--source-worker` runs it through tsx instead) and the webhook worker (benchmark 4) as ' +
      'processes of their own. Benchmark 5 (idle shops) runs every app that keeps periodic jobs as its own process ' +
      '(`--only=idle-shops --idle-shops=500` tries it at a smaller size).',
    '',
  ];
}

export function renderModel(model: ReportModel): string {
  const misses = model.sections.flatMap((section) => section.misses);
  return [
    ...header(model.runs),
    '## Summary',
    '',
    '| Figure | Measured | Target | Result |',
    '| --- | --- | --- | --- |',
    ...model.sections.flatMap((section) => section.summary),
    '',
    ...model.sections.flatMap((section) => [`## ${section.title}`, '', section.body, '']),
    '## Targets missed: why, and what would fix it',
    '',
    ...(misses.length === 0 ? [model.runs.length > 1 ? 'None in these runs.' : 'None in this run.'] : misses),
    '',
    ...howToRun(),
  ].join('\n');
}

export function renderReport(
  options: BenchOptions,
  machine: Machine,
  results: readonly BenchResult[],
): string {
  return renderModel(reportModel(options, machine, results));
}
