/**
 * The identity service (OpenID Connect provider): `npm run start:identity`. Discovery at
 * <ISSUER>/.well-known/openid-configuration; configuration in identity/config.ts.
 */
import { loadConfig } from '../platform/config.js';
import { runProcess } from '../platform/lifecycle.js';
import { createLogger } from '../platform/logger.js';
import { startMetricsEndpoint } from '../platform/telemetry/metrics.js';
import { identityEnv } from './config.js';
import { startIdentity } from './server.js';

// As every process of the mesh (runProcess): a bad variable exits 2 with the message, a failed
// start 1; SIGTERM/SIGINT stop it; freed memory goes back to the system when it is idle.
await runProcess('identity', async () => {
  const config = loadConfig(identityEnv);
  const log = createLogger('identity', config.LOG_LEVEL);
  // Before the provider, so a METRICS_PORT already taken fails the start early.
  const metrics = await startMetricsEndpoint(config.METRICS_PORT, log, config.HOST);
  const identity = await startIdentity(config, log);
  log.info(
    { url: identity.url, issuer: identity.issuer, dataDir: config.DATA_DIR },
    'ready: serving',
  );
  return {
    log,
    stop: async () => {
      await identity.close();
      await metrics?.close();
    },
  };
});
