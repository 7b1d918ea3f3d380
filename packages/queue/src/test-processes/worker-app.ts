// A worker app in its own process (spawned by worker-runner.health.test.ts): starts a runner with
// closeOnSignals, prints "ready", then "redis-down" once it sees Redis gone. It must exit on SIGTERM.
// argv: redisUrl prefix shutdownTimeoutMs
import { createLogger } from '@connector/logger';
import { closeOnSignals } from '../shutdown-signals.js';
import { defineHandler, startWorkers } from '../worker-runner.js';

const [redisUrl, prefix, shutdownTimeoutMs] = process.argv.slice(2) as [string, string, string];
const logger = createLogger({ service: 'worker-app', level: 'error' });
const runner = startWorkers({
  redisUrl,
  prefix,
  logger,
  owns: ['sync'],
  shutdownTimeoutMs: Number(shutdownTimeoutMs),
  handlers: [defineHandler('sync', async () => {})],
});
closeOnSignals(() => runner.close(), { logger });

let reported = false;
const watch = setInterval(() => {
  const { ready, redisReady } = runner.health();
  if (ready && !reported) {
    reported = true;
    process.stdout.write('ready\n');
  }
  if (reported && !redisReady) {
    clearInterval(watch);
    process.stdout.write('redis-down\n');
  }
}, 20);
