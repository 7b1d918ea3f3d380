// The pipeline benchmark's view of the export worker: its job metrics, and its memory — RSS from /proc
// every second, and the worker's own gauges (V8 heap, external) from its /metrics every few seconds, kept
// at the highest RSS and at the largest heap: what the peak is made of.
import type { ProcessStack } from '../faults/process-stack.js';
import { round } from './stats.js';

export type JobMetrics = Record<
  'completed' | 'deferred' | 'retry' | 'failed',
  { count: number; seconds: number }
>;

/** `connector_jobs_total` / `connector_job_duration_seconds_sum` of one queue from a /metrics text. */
export function jobMetrics(text: string, queue: string): JobMetrics {
  const read = (metric: string, outcome: string) => {
    const pattern = new RegExp(
      `^${metric}\\{[^}]*outcome="${outcome}"[^}]*queue="${queue}"[^}]*\\} (\\S+)$|^${metric}\\{[^}]*queue="${queue}"[^}]*outcome="${outcome}"[^}]*\\} (\\S+)$`,
      'm',
    );
    const match = pattern.exec(text);
    return Number(match?.[1] ?? match?.[2] ?? 0);
  };
  const outcomes = ['completed', 'deferred', 'retry', 'failed'] as const;
  return Object.fromEntries(
    outcomes.map((outcome) => [
      outcome,
      {
        count: read('connector_jobs_total', outcome),
        seconds: read('connector_job_duration_seconds_sum', outcome),
      },
    ]),
  ) as JobMetrics;
}

export interface MemorySnapshot {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
}

/** prom-client's default process and V8 memory gauges from a /metrics text (bytes). */
export function memoryOf(text: string): MemorySnapshot {
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    rss: gauge('process_resident_memory_bytes'),
    heapTotal: gauge('nodejs_heap_size_total_bytes'),
    heapUsed: gauge('nodejs_heap_size_used_bytes'),
    external: gauge('nodejs_external_memory_bytes'),
  };
}

export const mb = (bytes: number) => `${round(bytes / 1e6)} MB`;
export const describeMemory = (m: MemorySnapshot) =>
  `RSS ${mb(m.rss)}: V8 heap ${mb(m.heapTotal)} (${mb(m.heapUsed)} used), external ${mb(m.external)}`;

/** The export worker's /metrics text. */
export async function workerMetrics(stack: ProcessStack): Promise<string> {
  return (await fetch(`${stack.exportWorker().url}/metrics`)).text();
}

export interface WorkerMemory {
  /** Idle after start, before the run. */
  atStart: MemorySnapshot;
  /** The worker's own view at the highest RSS and at the largest V8 heap sampled. */
  atPeak: MemorySnapshot;
  largestHeap: MemorySnapshot;
  /** From /proc every second (bytes). */
  rss: { peak: number; last: number };
  stop(): void;
}

/** Reads the idle worker's memory, then samples it until `stop()`. */
export async function watchWorkerMemory(stack: ProcessStack): Promise<WorkerMemory> {
  const atStart = memoryOf(await workerMetrics(stack));
  const memory = { atStart, atPeak: atStart, largestHeap: atStart, rss: { peak: 0, last: 0 } };
  const sampler = setInterval(() => {
    const bytes = stack.exportWorker().rssBytes();
    if (bytes === undefined) return;
    memory.rss.last = bytes;
    memory.rss.peak = Math.max(memory.rss.peak, bytes);
  }, 1_000);
  const heapSampler = setInterval(() => {
    workerMetrics(stack).then(
      (text) => {
        const sampled = memoryOf(text);
        if (sampled.rss > memory.atPeak.rss) memory.atPeak = sampled;
        if (sampled.heapTotal > memory.largestHeap.heapTotal) memory.largestHeap = sampled;
      },
      () => {},
    );
  }, 5_000);
  return Object.assign(memory, {
    stop() {
      clearInterval(sampler);
      clearInterval(heapSampler);
    },
  });
}
