export * from './env-pieces.js';
export { EnvError, loadEnvOrExit, parseEnv } from './load-env.js';
