/**
 * A store process: one embedded store (PGlite) served to the instances of one service on a Unix
 * socket (platform/store-process.ts). `npm start` runs one for pricing's instances:
 * `STORE_NAME=pricing-store DATA_DIR=data/pricing EMBEDDED_STORE_SOCKET=data/pricing.sock
 * node scripts/start.mjs platform/store-main.ts`.
 */
import { z } from 'zod';
import { loadConfig } from './config.js';
import { runProcess } from './lifecycle.js';
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

// Started, stopped on SIGTERM/SIGINT and its start-up garbage collected as every process of
// the mesh is (runProcess); a bad variable exits 2 with the message.
await runProcess(process.env.STORE_NAME ?? 'store', async () => {
  const config = loadConfig(env);
  const log = createLogger(config.STORE_NAME, config.LOG_LEVEL);
  const store = await serveEmbeddedStore({
    dataDir: config.DATA_DIR,
    socketPath: config.EMBEDDED_STORE_SOCKET,
    idleInTransactionMs: config.STORE_IDLE_IN_TRANSACTION_MS,
    log,
  });
  return { log, stop: () => store.close() };
});
