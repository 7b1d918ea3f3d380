import { Counter, Histogram, register } from 'prom-client';

export type JobOutcome = 'completed' | 'retry' | 'failed' | 'deferred';

/**
 * Metrics on prom-client's default registry (what `/metrics` serves). Looked up before created: several
 * runners in one process (tests, an app owning two queues twice) must share them, and prom-client
 * refuses to register a name twice.
 */
function jobsTotal(): Counter<'queue' | 'outcome'> {
  return (
    (register.getSingleMetric('connector_jobs_total') as Counter<'queue' | 'outcome'> | undefined) ??
    new Counter({
      name: 'connector_jobs_total',
      help: 'Jobs processed, by queue and outcome (completed, retry, failed = final failure, deferred).',
      labelNames: ['queue', 'outcome'],
    })
  );
}

function jobDuration(): Histogram<'queue' | 'outcome'> {
  return (
    (register.getSingleMetric('connector_job_duration_seconds') as
      | Histogram<'queue' | 'outcome'>
      | undefined) ??
    new Histogram({
      name: 'connector_job_duration_seconds',
      help: 'Time a worker spent on one attempt of a job, by queue and outcome.',
      labelNames: ['queue', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    })
  );
}

export function recordJob(queue: string, outcome: JobOutcome, seconds: number): void {
  jobsTotal().inc({ queue, outcome });
  jobDuration().observe({ queue, outcome }, seconds);
}
