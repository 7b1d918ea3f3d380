/** How BullMQ delivers the jobs of a queue: attempts, backoff and retention. */
export interface QueuePolicy {
  /** Attempts including the first one. */
  attempts: number;
  /** Exponential backoff: `delayMs · 2^(attempt-1)`, randomised down by up to `jitter` (0..1). */
  backoff: { type: 'exponential'; delay: number; jitter: number };
  /** Retention of finished jobs (seconds / count), so Redis does not grow and operators can look back. */
  removeOnComplete: { age: number; count: number };
  removeOnFail: { age: number; count: number };
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Retention shared by every queue: a day of successes, two weeks of failures for investigation. */
const retention = {
  removeOnComplete: { age: DAY, count: 1000 },
  removeOnFail: { age: 14 * DAY, count: 10_000 },
};

/** `attempts` tries with jittered exponential backoff from `delayMs`, and the shared retention. */
export function retryPolicy(attempts: number, delayMs: number): QueuePolicy {
  return { attempts, backoff: { type: 'exponential', delay: delayMs, jitter: 0.5 }, ...retention };
}

/** 8 attempts from 5 s: the last retry comes ~10 min after the first failure (RetailCRM/LIFE POS blips). */
export const orderPolicy: QueuePolicy = retryPolicy(8, 5_000);
