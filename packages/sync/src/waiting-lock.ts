import { setTimeout as sleep } from 'node:timers/promises';
import { type EntityLock, isLockBusy } from '@connector/queue';

export interface WaitingLockOptions {
  /** How long to keep trying before giving up with the lock's `DeferredError`. Default 15 s. */
  waitMs?: number;
  /** Pause between tries. Default 100 ms. */
  pollMs?: number;
}

/**
 * Runs `fn` holding `key`, waiting a little when another holder has it. A sync of one store or courier
 * takes a few API calls, so a concurrent caller (three syncs at once, an export needing the same courier)
 * is better off waiting and re-reading than being delayed for seconds. Still busy after `waitMs` → the
 * lock's `DeferredError` (code `lock.busy`): the job is delayed, not failed.
 */
export async function withWaitingLock<T>(
  lock: EntityLock,
  key: string,
  fn: () => Promise<T>,
  { waitMs = 15_000, pollMs = 100 }: WaitingLockOptions = {},
): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await lock.withLock(key, () => fn());
    } catch (error) {
      const busy = isLockBusy(error);
      if (!busy || Date.now() >= deadline) throw error;
      await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
    }
  }
}
