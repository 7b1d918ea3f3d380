export { createHttpApp, type HttpAppOptions } from './create-http-app.js';
export type { FastRoute } from './fast-routes.js';
export { type ErrorBody, HttpError } from './http-error.js';
export {
  type CheckResult,
  type PingableRedis,
  type ReadinessCheck,
  type ReadinessReport,
  redisReadiness,
  sqlReadiness,
} from './readiness.js';
export { requestId, requestLogger } from './request-context.js';
export {
  DEFAULT_HTTP_SERVER_LIMITS,
  type HttpServerLimits,
  httpServerLimits,
} from './server-limits.js';
export { type RunningHttpServer, type StartHttpServerOptions, startHttpServer } from './start-http-server.js';
