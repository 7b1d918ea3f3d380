export { type SyncWorker, type SyncWorkerOptions, startSyncWorker } from './start-sync-worker.js';
