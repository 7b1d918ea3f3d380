export {
  type Catalog,
  catalog,
  DEFAULT_PREFIX,
  isQueueName,
  type JobData,
  jobIdFor,
  jobOf,
  lockKeyOf,
  orderJobId,
  orderLockKey,
  QUEUE_NAMES,
  type QueueName,
  type QueuePolicy,
} from './catalog.js';
export {
  type ConnectionVersion,
  connectionOfScheduler,
  type JobScheduleKeeper,
  type JobScheduleKeeperOptions,
  type JobSchedulesPass,
  keptMarkerKey,
  type ScheduledConnections,
  startJobScheduleKeeper,
  wantedSchedules,
} from './definition-schedules.js';
export {
  createEntityLock,
  type EntityLock,
  type EntityLockOptions,
  isLockBusy,
  LOCK_BUSY,
} from './entity-lock.js';
export {
  createJitterMeter,
  guardFor,
  type JitterMeter,
  jitterGuardKey,
  MAX_JITTER_GUARD_MS,
  MIN_JITTER_GUARD_MS,
} from './jitter-guard.js';
export {
  defineJob,
  type JobDefinition,
  type PeriodicKind,
  periodicKindOf,
  type ScheduledConnection,
} from './job-definition.js';
export {
  applyJobSchedules,
  createScheduleQueue,
  type JobSchedule,
  offsetWithin,
  type ScheduleKeeper,
  type ScheduleOutcome,
  type StoredScheduler,
  slotAtOrAfter,
  startScheduleKeeper,
  storedSchedulers,
  upsertJobSchedule,
} from './job-schedules.js';
export { type LifeposCheck, lifeposCheckId, SUBSCRIPTION_CHECK_EVERY_MS } from './jobs/lifepos-events.js';
export { syncSchedulerId } from './jobs/sync.js';
export { withLinkedSignal } from './linked-signal.js';
export {
  backgroundPace,
  createPacer,
  orderExportPace,
  PACE_SLACK,
  type Pace,
  type Pacer,
  type PaceSlot,
} from './pacing.js';
export {
  type AddedJob,
  type AddOptions,
  createProducer,
  type Producer,
  type ProducerOptions,
} from './producer.js';
export { queueDrained } from './queue-drained.js';
export {
  createRateLimiter,
  DEFAULT_JITTER_GUARD_MS,
  DEFAULT_RATE_LIMITS,
  LATE_TOLERANCE_MS,
  lifeposRateKey,
  type RateBucket,
  type RateGrant,
  type RateLimiter,
  type RateLimiterOptions,
  type RateTicket,
  retailcrmRateKey,
} from './rate-limiter.js';
export { createProducerRedis, createWorkerRedis, type RedisConnectionOptions } from './redis-connections.js';
export { type CloseOnSignalsOptions, closeOnSignals } from './shutdown-signals.js';
export { requestSweep, sweepRequestId } from './sweep-request.js';
export { createRedisTokenStore, type RedisTokenStore, type TokenCipher } from './token-store.js';
export {
  type ForwardedTrigger,
  startTriggerForwarder,
  type TriggerForwarder,
  type TriggerForwarderOptions,
} from './trigger-forwarder.js';
export {
  createTriggerAppender,
  type StreamedTrigger,
  type TriggerAppender,
  type TriggerQueue,
  triggerStreamKey,
} from './trigger-stream.js';
export {
  type AnyJobHandler,
  defineHandler,
  type FinalFailure,
  type HandlerContext,
  type JobHandler,
  type JobSuccess,
  type LockTarget,
  type StartWorkersOptions,
  startWorkers,
  type WorkerHealth,
  type WorkerRunner,
} from './worker-runner.js';
