import { loadConfig, ConfigError } from '../platform/config.js';
import { useConsul } from '../platform/consul.js';
import { onShutdownSignal } from '../platform/lifecycle.js';
import { createLogger } from '../platform/logger.js';
import { flushTracing } from '../platform/telemetry/tracing.js';
import { buildBff } from './app.js';
import { createAuthenticator, DEV_JWT_SECRET } from './auth.js';
import { createBffClients } from './clients.js';
import { bffEnv } from './config.js';

let config;
try {
  config = loadConfig(bffEnv);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`bff: ${err.message}\n`);
  process.exit(2);
}
const log = createLogger('bff', config.LOG_LEVEL);
if (config.CONSUL_HTTP_ADDR) useConsul(config.CONSUL_HTTP_ADDR);
if (config.JWT_SECRET === DEV_JWT_SECRET && !config.JWT_JWKS_URL)
  log.warn(
    'using the documented development JWT key: set JWT_SECRET or JWT_JWKS_URL outside development',
  );
const clients = createBffClients(config);
const app = await buildBff({ clients, config, log, authenticate: createAuthenticator(config) });
await app.listen({ port: config.PORT, host: '0.0.0.0' });
log.info({ port: config.PORT }, 'ready: serving');
onShutdownSignal(log, [() => app.close(), async () => clients.close(), flushTracing]);
