/**
 * Is a worker consuming? BullMQ workers have been seen to stay "running" with a live connection and yet
 * never fetch again after a Redis outage (taskforcesh/bullmq#2466, #4479, #4585). The symptom is the
 * same whatever the cause: jobs are ready, the worker has free slots, and no job starts. So readiness
 * watches exactly that, from the outside, instead of trusting the worker's internals.
 */
export interface BacklogObservation {
  /** Jobs ready to run: waiting, prioritized, and delayed jobs already overdue. */
  backlog: number;
  /** Jobs this worker is running now, and how many it may run. */
  active: number;
  concurrency: number;
  /** When this worker last started a job (ms since epoch; 0 = never). */
  lastStartedAt: number;
  now: number;
}

/**
 * Since when the worker has left a backlog untouched although it had free slots, or undefined when it
 * has not. `previous` is the value returned by the last observation.
 */
export function idleBacklogSince(
  previous: number | undefined,
  { backlog, active, concurrency, lastStartedAt, now }: BacklogObservation,
): number | undefined {
  if (backlog === 0 || active >= concurrency) return undefined;
  if (previous === undefined || lastStartedAt >= previous) return now;
  return previous;
}

/** A backlog left untouched for `stallAfterMs` means the worker is not consuming. */
export function isStalled(since: number | undefined, now: number, stallAfterMs: number): boolean {
  return since !== undefined && now - since >= stallAfterMs;
}
