import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from './create-logger.js';

/**
 * A logger that keeps its records in memory, as the JSON objects production would print: for tests that
 * check what was logged (access lines, warnings during an outage).
 */
export function createMemoryLogger(
  service: string,
  level = 'debug',
): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      records.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({
    service,
    level,
    format: 'json',
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, records };
}
