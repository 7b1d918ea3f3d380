// A run of some benchmarks (`pnpm bench --only=… --out`) replaces only their sections of docs/BENCHMARKS.md:
// the other sections keep their text, their summary rows and their targets missed, and the header says which
// run each section comes from.
import { describe, expect, it } from '@jest/globals';
import type { BenchOptions } from './bench-options.js';
import type { Machine } from './machine.js';
import type { BenchResult } from './report.js';
import { renderModel, renderReport } from './report.js';
import { mergeReport, parseReport } from './report-merge.js';

/** A report as the single-run renderer wrote it before runs could be merged (docs/BENCHMARKS.md's shape). */
const SAMPLE = `# Benchmarks

Written by \`pnpm bench\` (apps/e2e/bench) from the figures of the run below — re-running it rewrites this file. Every figure is measured against the sandbox simulators on this machine (127.0.0.1); the tests assert behaviour only, never these times.

## Machine and run

| | |
| --- | --- |
| Date | 2026-12-04T14:44:53.167Z |
| CPUs (nproc) | 2 × Intel(R) Xeon(R) Processor |
| Memory | 23.5 GiB |
| Node | v24.22.3 |
| OS | Linux 6.18.44-fc-v1147 |
| Commit | d0bf448 + uncommitted changes |
| Sizes | full |
| 1-min load average | 2.76 at the start, 5.81 at the end |

> **Load caveat:** the machine was shared while this ran (load average above 1.5 on 2 cores when it started): other processes took CPU from the connector, the simulators and the load generator alike. Throughput and latency figures are lower bounds of what a quiet machine gives; re-run \`pnpm bench\` on a quiet machine for clean numbers.

## Summary

| Figure | Measured | Target | Result |
| --- | --- | --- | --- |
| Ingress / express hello world | 0.11× (4993 / 43710 req/s) | ≥ 0.5× | **MISS** |
| Ingress p99 at 1000 req/s | 14.8 ms (p50 2.9 ms, 1000 req/s answered) | ≤ 20 ms at 1000 req/s | pass |
| Export worker RSS | peak 207.9 MB (at the end 206.6 MB) | ≤ 150 MB | **MISS** |
| Payment → RetailCRM, idle | p50 106 ms, p99 152 ms (40 payments) | p99 ≤ 3 s | pass |

## 1. Ingress

autocannon, 100 connections × 20 s flat out.

| Figure | Measured | Target | Result |
| --- | --- | --- | --- |
| Ingress throughput | 4993 req/s (p50 14 ms, p99 35 ms at 100 connections) | — | — |
| Ingress / express hello world | 0.11× (4993 / 43710 req/s) | ≥ 0.5× | **MISS** |
| Ingress p99 at 1000 req/s | 14.8 ms (p50 2.9 ms, 1000 req/s answered) | ≤ 20 ms at 1000 req/s | pass |

| Run | req/s (2xx) | p50 ms |
| --- | --- | --- |
| express hello world (autocannon) | 43710 | 2 |

## 2. Pipeline

The sandbox in a process of its own.

| Figure | Measured | Target | Result |
| --- | --- | --- | --- |
| Export worker RSS | peak 207.9 MB (at the end 206.6 MB) | ≤ 150 MB | **MISS** |

Export worker: the built \`apps/export-worker/dist/main.js\`.

## 4. Write-back

LIFE POS payments booked in RetailCRM.

| Figure | Measured | Target | Result |
| --- | --- | --- | --- |
| Payment → RetailCRM, idle | p50 106 ms, p99 152 ms (40 payments) | p99 ≤ 3 s | pass |

## Targets missed: why, and what would fix it

- **Ingress / express hello world** (1. Ingress): measured 0.11× (4993 / 43710 req/s), target ≥ 0.5×.
  The ingress checks the connection in the database on every trigger.
- **Export worker RSS** (2. Pipeline): measured peak 207.9 MB (at the end 206.6 MB), target ≤ 150 MB.
  The Prisma query compiler alone takes 50 MB.

## How to run

\`\`\`
pnpm bench                              # full sizes, rewrites docs/BENCHMARKS.md (~40 min)
\`\`\`

It builds the ingress and the export worker.
`;

const OPTIONS = { size: 'small' } as BenchOptions;
const MACHINE: Machine = {
  date: '2026-12-05T09:00:00.000Z',
  cpus: 2,
  cpuModel: 'Intel(R) Xeon(R) Processor',
  memoryGiB: 23.5,
  node: 'v24.22.3',
  kernel: 'Linux 6.18.44-fc-v1147',
  commit: 'abc1234',
  loadStart: 0.5,
  loadEnd: 0.7,
};

const IDLE: BenchResult = {
  name: 'idle-shops',
  title: '5. Idle shops',
  method: '200 connections, each its own simulated account.',
  figures: [{ name: 'Redis memory per connection', measured: '3.1 KiB' }],
  details: 'Limits found: none at this size.',
};

const PIPELINE: BenchResult = {
  name: 'pipeline',
  title: '2. Pipeline',
  method: 'The sandbox in a process of its own, again.',
  figures: [
    {
      name: 'Export worker RSS',
      measured: 'peak 180 MB',
      target: '≤ 150 MB',
      pass: false,
      missReason: 'Still the query compiler.',
    },
  ],
  details: '',
};

/** The text of a section, from its heading to the next one. */
function sectionText(report: string, title: string): string {
  const start = report.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`no section ${title}`);
  const end = report.indexOf('\n## ', start + 1);
  return report.slice(start, end);
}

/** The rows of the summary table. */
function summaryRows(report: string): string[] {
  return sectionText(report, 'Summary')
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Figure') && !line.startsWith('| ---'));
}

const headings = (report: string) => report.split('\n').filter((line) => line.startsWith('## '));

describe('merging a run of some benchmarks into docs/BENCHMARKS.md', () => {
  it('adds a new section and keeps every other one, its summary rows and its targets missed', () => {
    const merged = mergeReport(SAMPLE, OPTIONS, MACHINE, [IDLE]);

    for (const title of ['1. Ingress', '2. Pipeline', '4. Write-back']) {
      expect(sectionText(merged, title)).toBe(sectionText(SAMPLE, title));
    }
    expect(sectionText(merged, '5. Idle shops')).toContain(
      '200 connections, each its own simulated account.',
    );
    expect(summaryRows(merged)).toEqual(summaryRows(SAMPLE));
    expect(sectionText(merged, 'Targets missed: why, and what would fix it')).toBe(
      sectionText(SAMPLE, 'Targets missed: why, and what would fix it'),
    );
    expect(headings(merged)).toEqual([
      '## Machine and runs',
      '## Summary',
      '## 1. Ingress',
      '## 2. Pipeline',
      '## 4. Write-back',
      '## 5. Idle shops',
      '## Targets missed: why, and what would fix it',
      '## How to run',
    ]);
  });

  it('says in the header which run (date, commit, sizes) each section comes from', () => {
    const merged = mergeReport(SAMPLE, OPTIONS, MACHINE, [IDLE]);
    const header = sectionText(merged, 'Machine and runs');

    expect(header).toContain('| | Run 1 | Run 2 |');
    expect(header).toContain('| Sections | 1. Ingress, 2. Pipeline, 4. Write-back | 5. Idle shops |');
    expect(header).toContain('| Date | 2026-12-04T14:44:53.167Z | 2026-12-05T09:00:00.000Z |');
    expect(header).toContain('| Commit | d0bf448 + uncommitted changes | abc1234 |');
    expect(header).toContain('| Sizes | full | small |');
    // The earlier run's load caveat stays, now naming its sections; the quiet new run has none.
    expect(header).toContain(
      'the machine was shared while the run of 1. Ingress, 2. Pipeline, 4. Write-back ran (load average above 1.5 on 2 cores when it started)',
    );
    expect(header.match(/Load caveat/g)).toHaveLength(1);
  });

  it('replaces a section that was there, with its summary row and its target missed, in its place', () => {
    const first = mergeReport(SAMPLE, OPTIONS, MACHINE, [IDLE]);
    const later = { ...MACHINE, date: '2026-12-06T10:00:00.000Z', commit: 'def5678' };
    const merged = mergeReport(first, OPTIONS, later, [PIPELINE]);

    expect(sectionText(merged, '2. Pipeline')).toContain('The sandbox in a process of its own, again.');
    expect(sectionText(merged, '2. Pipeline')).not.toContain('Export worker: the built');
    for (const title of ['1. Ingress', '4. Write-back', '5. Idle shops']) {
      expect(sectionText(merged, title)).toBe(sectionText(first, title));
    }
    expect(summaryRows(merged)).toEqual([
      summaryRows(SAMPLE)[0],
      summaryRows(SAMPLE)[1],
      '| Export worker RSS | peak 180 MB | ≤ 150 MB | **MISS** |',
      summaryRows(SAMPLE)[3],
    ]);
    const misses = sectionText(merged, 'Targets missed: why, and what would fix it');
    expect(misses).toContain('The ingress checks the connection in the database on every trigger.');
    expect(misses).toContain(
      '- **Export worker RSS** (2. Pipeline): measured peak 180 MB, target ≤ 150 MB.\n  Still the query compiler.',
    );
    expect(misses).not.toContain('The Prisma query compiler alone takes 50 MB.');
    const header = sectionText(merged, 'Machine and runs');
    expect(header).toContain('| Sections | 1. Ingress, 4. Write-back | 5. Idle shops | 2. Pipeline |');
    expect(header).toContain('| Commit | d0bf448 + uncommitted changes | abc1234 | def5678 |');
  });

  it('drops a run whose every section was replaced, back to the one-run header', () => {
    const first = mergeReport(SAMPLE, OPTIONS, MACHINE, [IDLE]);
    const sections = ['1. Ingress', '2. Pipeline', '4. Write-back'].map(
      (title): BenchResult => ({ ...IDLE, title, method: `${title} again.` }),
    );
    const merged = mergeReport(first, OPTIONS, MACHINE, sections);

    expect(headings(merged)[0]).toBe('## Machine and runs');
    expect(sectionText(merged, 'Machine and runs')).toContain(
      '| Sections | 5. Idle shops | 1. Ingress, 2. Pipeline, 4. Write-back |',
    );
    expect(merged).not.toContain('d0bf448');
    expect(merged).not.toContain('Load caveat');
    const again = mergeReport(merged, OPTIONS, MACHINE, [IDLE, ...sections]);
    expect(headings(again)[0]).toBe('## Machine and run');
    expect(again).not.toContain('| Sections |');
  });

  it('gives a load caveat for the load when a run started, not for the load the run made itself', () => {
    const loadedByItself = renderReport(OPTIONS, { ...MACHINE, loadStart: 0.4, loadEnd: 1.9 }, [IDLE]);
    const shared = renderReport(OPTIONS, { ...MACHINE, loadStart: 1.9, loadEnd: 1.9 }, [IDLE]);

    expect(loadedByItself).not.toContain('Load caveat');
    expect(shared).toContain(
      'the machine was shared while this ran (load average above 1.5 on 2 cores when it started)',
    );
    expect(mergeReport(loadedByItself, OPTIONS, MACHINE, [IDLE])).not.toContain('Load caveat');
  });

  it('reads back what it writes unchanged', () => {
    const single = renderReport(OPTIONS, MACHINE, [PIPELINE, IDLE]);
    const merged = mergeReport(SAMPLE, OPTIONS, MACHINE, [IDLE]);

    expect(renderModel(parseReport(single))).toBe(single);
    expect(renderModel(parseReport(merged))).toBe(merged);
  });
});
