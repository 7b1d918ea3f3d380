export {
  SYNC_WORKER_QUEUES,
  type SyncWorker,
  type SyncWorkerOptions,
  startSyncWorker,
} from './start-sync-worker.js';
