export { courierIdOf } from './courier-of-order.js';
export { type CourierResult, courierLockKey } from './courier-sync.js';
export { createSync, type Sync, type SyncAllResult, type SyncDeps, type SyncProblem } from './create-sync.js';
export { type OutletResult, storeLockKey } from './outlet-sync.js';
export { isCourierPhoneConflict, SYNC_ERROR_CODES } from './sync-errors.js';
export { requestConnectionSync } from './sync-request.js';
export type { WaitingLockOptions } from './waiting-lock.js';
