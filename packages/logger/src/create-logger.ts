import winston from 'winston';
import { isSecretKey, REDACTED, redactValue } from './redact.js';

export type Logger = winston.Logger;

const SPLAT = Symbol.for('splat');

/** Winston format that redacts the message, every metadata field and nested errors of a record. */
const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    const value = info[key];
    info[key] = isSecretKey(key) && value !== undefined && value !== null ? REDACTED : redactValue(value);
  }
  const splat = (info as unknown as Record<symbol, unknown>)[SPLAT];
  if (Array.isArray(splat))
    (info as unknown as Record<symbol, unknown>)[SPLAT] = splat.map((item) => redactValue(item));
  return info;
});

/** Moves an Error passed as the message or as `error`/`err` into a plain, loggable object. */
const errorFormat = winston.format((info) => {
  if (info instanceof Error) {
    return Object.assign(info, { message: info.message, stack: info.stack });
  }
  return info;
});

export interface LoggerOptions {
  /** Name of the app or package, added to every record as `service`. */
  service: string;
  level?: string;
  /** `json` (production: one JSON object a line) or `pretty` (development). Default from NODE_ENV. */
  format?: 'json' | 'pretty';
  /** Extra transports (tests capture records with one). Default: the console (stdout). */
  transports?: winston.transport[];
}

export function createLogger({ service, level, format, transports }: LoggerOptions): Logger {
  const chosen = format ?? (process.env.NODE_ENV === 'development' ? 'pretty' : 'json');
  const output =
    chosen === 'json'
      ? winston.format.json()
      : winston.format.combine(
          winston.format.colorize(),
          winston.format.printf(({ level: lvl, message, timestamp, service: svc, ...rest }) => {
            const meta = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
            return `${timestamp} ${lvl} [${svc}] ${message}${meta}`;
          }),
        );
  // winston runs the whole format chain before any transport filters by level: without this gate, every
  // debug record of a hot path (a request, a job) would be redacted and serialized only to be dropped.
  const enabledOnly = winston.format((info) => (logger.isLevelEnabled(info.level) ? info : false));
  const logger: Logger = winston.createLogger({
    level: level ?? process.env.LOG_LEVEL ?? 'info',
    defaultMeta: { service },
    format: winston.format.combine(
      enabledOnly(),
      errorFormat(),
      winston.format.timestamp(),
      redactFormat(),
      output,
    ),
    transports: transports ?? [new winston.transports.Console()],
  });
  return logger;
}

/** Context every job's log records carry. */
export interface JobContext {
  queue: string;
  jobId: string | undefined;
  connectionId?: string | undefined;
  orderId?: string | number | undefined;
  attempt?: number;
}

export function jobLogger(logger: Logger, context: JobContext): Logger {
  const meta = Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
  return logger.child(meta);
}
