import type { Logger } from '@connector/logger';

export interface CloseOnSignalsOptions {
  logger: Logger;
  signals?: readonly NodeJS.Signals[];
  /** Injected in tests; `process.exit` otherwise. */
  exit?: (code: number) => void;
}

/**
 * Graceful shutdown for an app: on the first SIGTERM/SIGINT run `close` (stop taking work, finish
 * what is running, close connections) and exit 0, or 1 if closing failed. A second signal exits 1
 * at once, for an operator who does not want to wait. Returns a function that removes the handlers.
 */
export function closeOnSignals(
  close: () => Promise<void>,
  { logger, signals = ['SIGTERM', 'SIGINT'], exit = (code) => process.exit(code) }: CloseOnSignalsOptions,
): () => void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn('second signal; exiting without waiting', { signal });
      exit(1);
      return;
    }
    closing = true;
    logger.info('shutting down', { signal });
    close().then(
      () => exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: error instanceof Error ? error.message : String(error) });
        exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
