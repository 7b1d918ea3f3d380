// A run of some of the benchmarks (`--only`) into an existing docs/BENCHMARKS.md: its sections replace theirs,
// every other section keeps its text, its rows of the summary table and its targets missed, and the header
// says which run (date, commit, machine) each section comes from.
import type { BenchOptions } from './bench-options.js';
import type { Machine } from './machine.js';
import {
  type BenchResult,
  type ReportModel,
  type RunRecord,
  renderModel,
  reportModel,
  type SectionRecord,
} from './report.js';

/** The headings every report has; any other `## ` heading is a benchmark's section. */
const FRAME = ['Machine and run', 'Summary', 'Targets missed', 'How to run'];

interface Block {
  heading: string;
  lines: string[];
}

function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  for (const line of text.split('\n')) {
    const heading = /^## (.+)$/.exec(line)?.[1];
    if (heading !== undefined) blocks.push({ heading, lines: [] });
    else blocks.at(-1)?.lines.push(line);
  }
  return blocks;
}

const cellsOf = (row: string) =>
  row
    .slice(1, -1)
    .split('|')
    .map((cell) => cell.trim());

/** The data rows of the first table among `lines` (header and separator left out). */
function tableRows(lines: readonly string[]): string[] {
  const start = lines.findIndex((line) => line.startsWith('|'));
  if (start < 0) return [];
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('|'));
  return lines.slice(start + 2, end < 0 ? undefined : end);
}

/** The runs of the machine and run table: one column each, their sections in a Sections row (or all). */
function parseRuns(block: Block | undefined, titles: readonly string[]): RunRecord[] {
  const rows = tableRows(block?.lines ?? []).map(cellsOf);
  const columns = Math.max(1, ...rows.map((cells) => cells.length - 1));
  const sectionsRow = rows.find(([key]) => key === 'Sections');
  return Array.from({ length: columns }, (_, column): RunRecord => {
    const machineRows = rows
      .filter(([key]) => key !== 'Sections')
      .map(([key, ...values]): [string, string] => [key!, values[column] ?? '—']);
    const value = (key: string) => machineRows.find(([k]) => k === key)?.[1] ?? '';
    const cpus = Number.parseInt(value('CPUs (nproc)'), 10);
    // As in report.ts: only the load when the run started says whether the machine was shared.
    const loadStart = Number(/(\d+(?:\.\d+)?) at the start/.exec(value('1-min load average'))?.[1] ?? 0);
    return {
      sections: sectionsRow ? (sectionsRow[column + 1] ?? '').split(', ').filter(Boolean) : [...titles],
      rows: machineRows,
      cpus,
      busy: loadStart > cpus * 0.75,
    };
  });
}

/** The bullets of the targets missed, each with its indented reason. */
function bulletsOf(lines: readonly string[]): string[] {
  const bullets: string[] = [];
  for (const line of lines) {
    if (line.startsWith('- ')) bullets.push(line);
    else if (line.startsWith('  ') && bullets.length > 0) bullets[bullets.length - 1] += `\n${line}`;
  }
  return bullets;
}

const trimBlankLines = (lines: readonly string[]) => lines.join('\n').replace(/^\n+/, '').replace(/\n+$/, '');

/** Reads a report `renderModel` wrote (or the single-run one before it), to merge a run into it. */
export function parseReport(text: string): ReportModel {
  const blocks = blocksOf(text);
  const frame = (name: string) => blocks.find((block) => block.heading.startsWith(name));
  const summary = tableRows(frame('Summary')?.lines ?? []);
  const misses = bulletsOf(frame('Targets missed')?.lines ?? []);
  const sections = blocks
    .filter((block) => !FRAME.some((name) => block.heading.startsWith(name)))
    .map((block): SectionRecord => {
      const own = new Set(block.lines);
      return {
        title: block.heading,
        body: trimBlankLines(block.lines),
        summary: summary.filter((row) => own.has(row)),
        misses: misses.filter((bullet) => bullet.includes(`** (${block.heading}): `)),
      };
    });
  const runs = parseRuns(
    frame('Machine and run'),
    sections.map((section) => section.title),
  );
  return { runs, sections };
}

/** `fresh`'s sections replace those of the same title; runs left without a section drop out of the header. */
export function mergeModels(old: ReportModel, fresh: ReportModel): ReportModel {
  const replaced = new Set(fresh.sections.map((section) => section.title));
  const runs = old.runs
    .map((run) => ({ ...run, sections: run.sections.filter((title) => !replaced.has(title)) }))
    .filter((run) => run.sections.length > 0);
  const sections = [...old.sections.filter((section) => !replaced.has(section.title)), ...fresh.sections];
  sections.sort((a, b) => a.title.localeCompare(b.title, 'en', { numeric: true }));
  return { runs: [...runs, ...fresh.runs], sections };
}

/** `existing` (a report's text) with the sections of this run's benchmarks replaced by `results`. */
export function mergeReport(
  existing: string,
  options: BenchOptions,
  machine: Machine,
  results: readonly BenchResult[],
): string {
  return renderModel(mergeModels(parseReport(existing), reportModel(options, machine, results)));
}

/** Whether `text` is a report this merge can read (one `pnpm bench` wrote). */
export const isBenchReport = (text: string) => text.startsWith('# Benchmarks\n');
