/**
 * The BFF process: `npm run start:bff` (node --import tsx --import ./platform/telemetry/register.ts
 * bff/main.ts), so incoming HTTP and outgoing gRPC are traced and traceparent flows through.
 * It starts through the same runtime as the services (config, logs, Consul, peer clients, a
 * graceful stop on SIGTERM/SIGINT); bff/app.ts is the HTTP API itself.
 */
import { runHttpProcess } from '../platform/http-process.js';
import { listenOrExplain } from '../platform/listen.js';
import { buildBff } from './app.js';
import { createAuthenticator } from './auth.js';
import { BFF_PROCESS, connectThrough, createBffClients } from './clients.js';

await runHttpProcess({
  ...BFF_PROCESS,
  async start({ config, log, client }) {
    if (config.JWT_SECRET)
      log.warn('JWT_SECRET is set: tokens are checked against a shared key, not the issuer’s JWKS');
    const clients = createBffClients(connectThrough(client));
    let draining = false;
    const app = await buildBff({
      clients,
      config,
      log,
      authenticate: createAuthenticator(config),
      draining: () => draining,
    });
    await listenOrExplain({ host: config.HOST, port: config.PORT, variables: 'HOST, PORT' }, () =>
      app.listen({ port: config.PORT, host: config.HOST }),
    );
    const address = app.server.address();
    return {
      port: typeof address === 'object' && address ? address.port : config.PORT,
      async close(graceMs) {
        // /readyz turns 503 so the edge stops sending; in-flight requests (SSE included) get the
        // grace period, then their connections are cut (which cancels their gRPC calls).
        draining = true;
        const force = setTimeout(() => app.server.closeAllConnections(), graceMs);
        force.unref();
        await app.close();
        clearTimeout(force);
      },
    };
  },
});
