/**
 * The BFF process: `npm run start:bff` (node --import tsx --import ./platform/telemetry/register.ts
 * bff/main.ts), so incoming HTTP and outgoing gRPC are traced and traceparent flows through.
 */
import { loadConfig, ConfigError } from '../platform/config.js';
import { useConsul } from '../platform/consul.js';
import { onShutdownSignal } from '../platform/lifecycle.js';
import { createLogger } from '../platform/logger.js';
import { flushTracing } from '../platform/telemetry/tracing.js';
import { buildBff } from './app.js';
import { createAuthenticator } from './auth.js';
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
if (config.JWT_SECRET)
  log.warn('JWT_SECRET is set: tokens are checked against a shared key, not the issuer’s JWKS');
const clients = createBffClients(config);
let draining = false;
const app = await buildBff({
  clients,
  config,
  log,
  authenticate: createAuthenticator(config),
  draining: () => draining,
});
await app.listen({ port: config.PORT, host: '0.0.0.0' });
log.info({ port: config.PORT }, 'ready: serving');

const grace = config.SHUTDOWN_GRACE_MS;
onShutdownSignal(log, [
  async () => {
    // /readyz turns 503 so the edge stops sending; in-flight requests (SSE included) get the
    // grace period, then their connections are cut (which cancels their gRPC calls).
    draining = true;
    const force = setTimeout(() => app.server.closeAllConnections(), grace);
    force.unref();
    await app.close();
    clearTimeout(force);
  },
  async () => clients.close(),
  flushTracing,
]);
