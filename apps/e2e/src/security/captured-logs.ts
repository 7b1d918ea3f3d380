// Test-only: every log record the apps of a stack write, as the JSON lines production would print.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@connector/logger';
import winston from 'winston';

export interface CapturedLogs {
  /** A logger for one app (every level, production's JSON format) whose records are kept here. */
  logger(service: string): Logger;
  /** Every line written so far. */
  lines(): readonly string[];
  /** The `service` of every record so far, each once. */
  services(): Set<string>;
}

export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  // One sink for all apps; winston would warn about many pipes into one stream.
  sink.setMaxListeners(0);
  return {
    logger: (service) =>
      createLogger({
        service,
        level: 'silly',
        format: 'json',
        transports: [new winston.transports.Stream({ stream: sink })],
      }),
    lines: () => lines,
    services: () =>
      new Set(
        lines.map((line) => {
          try {
            return String((JSON.parse(line) as { service?: unknown }).service);
          } catch {
            return 'unparsable';
          }
        }),
      ),
  };
}
