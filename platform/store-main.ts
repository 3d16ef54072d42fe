/**
 * A store process: one embedded store (PGlite) served to the instances of one service on a Unix
 * socket (platform/store-process.ts). `npm start` runs one for pricing's instances:
 * `STORE_NAME=pricing-store DATA_DIR=data/pricing EMBEDDED_STORE_SOCKET=data/pricing.sock
 * node scripts/start.mjs platform/store-main.ts`. Stops on SIGTERM or SIGINT.
 */
import { z } from 'zod';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { serveEmbeddedStore } from './store-process.js';

const env = {
  /** The name in its log lines. */
  STORE_NAME: z.string().min(1).default('store'),
  DATA_DIR: z.string().min(1),
  EMBEDDED_STORE_SOCKET: z.string().min(1).max(100, 'a Unix socket path is at most ~100 bytes'),
  /** A transaction idle longer than this (ms) between statements is rolled back. */
  STORE_IDLE_IN_TRANSACTION_MS: z.coerce.number().int().min(1).default(1_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

let config: z.infer<z.ZodObject<typeof env>>;
try {
  config = loadConfig(env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
const log = createLogger(config.STORE_NAME, config.LOG_LEVEL);
const store = await serveEmbeddedStore({
  dataDir: config.DATA_DIR,
  socketPath: config.EMBEDDED_STORE_SOCKET,
  idleInTransactionMs: config.STORE_IDLE_IN_TRANSACTION_MS,
  log,
});
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  store.close().then(
    () => process.exit(0),
    (err: unknown) => {
      log.error({ err }, 'store did not close cleanly');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
