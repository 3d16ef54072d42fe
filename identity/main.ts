/**
 * The identity service (OpenID Connect provider): `npm run start:identity`. Discovery at
 * <ISSUER>/.well-known/openid-configuration; configuration in identity/config.ts.
 */
import { ConfigError, loadConfig } from '../platform/config.js';
import { onShutdownSignal } from '../platform/lifecycle.js';
import { createLogger } from '../platform/logger.js';
import { startMetricsEndpoint } from '../platform/telemetry/metrics.js';
import { identityEnv } from './config.js';
import { startIdentity } from './server.js';

let config;
try {
  config = loadConfig(identityEnv);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`identity: ${err.message}\n`);
  process.exit(2);
}
const log = createLogger('identity', config.LOG_LEVEL);
// Before the provider, so a METRICS_PORT already taken fails the start early.
const metrics = await startMetricsEndpoint(config.METRICS_PORT, log);
const identity = await startIdentity(config, log);
log.info(
  { url: identity.url, issuer: identity.issuer, dataDir: config.DATA_DIR },
  'ready: serving',
);
onShutdownSignal(log, [() => identity.close(), async () => metrics?.close()]);
