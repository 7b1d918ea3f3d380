import type { Queue } from 'bullmq';

/**
 * Whether a queue has no work left: nothing active, waiting or prioritized, and of the delayed jobs only the
 * next runs job schedulers always hold (a retried or deferred job has run before, so it still counts).
 * Tests and the benchmark wait on it; it is a snapshot, meaningful once nothing adds jobs any more.
 */
export async function queueDrained(queue: Queue): Promise<boolean> {
  // One atomic read: a deferred job moves between delayed and active, two reads could miss it.
  const { delayed = 0, ...busy } = await queue.getJobCounts(
    'active',
    'waiting',
    'delayed',
    'prioritized',
    'waiting-children',
  );
  if (Object.values(busy).some((count) => count > 0)) return false;
  if (delayed === 0) return true;
  // Nothing was running at the count, so a job can only have left the delayed ones since: then the
  // numbers differ.
  const jobs = await queue.getJobs(['delayed']);
  return (
    jobs.length === delayed &&
    jobs.every((job) => job.repeatJobKey !== undefined && job.processedOn === undefined)
  );
}
