import { getEventListeners } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { withLinkedSignal } from './linked-signal.js';

describe('withLinkedSignal', () => {
  it('aborts with the reason of whichever source aborts first', async () => {
    const job = new AbortController();
    const lock = new AbortController();
    const reason = await withLinkedSignal([job.signal, undefined, lock.signal], async (signal) => {
      const aborted = new Promise((resolve) =>
        signal.addEventListener('abort', () => resolve(signal.reason)),
      );
      lock.abort(new Error('lock lost'));
      return aborted;
    });
    expect(reason).toEqual(new Error('lock lost'));
  });

  it('starts aborted when a source already is', async () => {
    const job = new AbortController();
    job.abort('shutting down');
    const seen = await withLinkedSignal([job.signal], async (signal) => [signal.aborted, signal.reason]);
    expect(seen).toEqual([true, 'shutting down']);
  });

  it('leaves no listener on the sources once the work is done, however it ended', async () => {
    // The leak this replaces: a combined signal with a listener stayed alive as long as a source did.
    const worker = new AbortController();
    for (let i = 0; i < 100; i += 1) {
      await withLinkedSignal([worker.signal], async (signal) => {
        signal.addEventListener('abort', () => {}, { once: true });
      });
      await withLinkedSignal([worker.signal], async () => {
        throw new Error('job failed');
      }).catch(() => {});
    }
    expect(getEventListeners(worker.signal, 'abort')).toHaveLength(0);
  });
});
