import type { FastifyInstance } from 'fastify';
import { buildBff } from '../../bff/app.js';
import { createAuthenticator, DEV_JWT_SECRET, signDevToken } from '../../bff/auth.js';
import { BFF_PROCESS, connectThrough, createBffClients } from '../../bff/clients.js';
import type { BffConfig } from '../../bff/config.js';
import { openRuntime } from '../../platform/runtime.js';

export interface BffFixture {
  url: string;
  app: FastifyInstance;
  config: BffConfig;
  /** A bearer token for a customer, signed with the shared test key (JWT_SECRET). */
  token(customerId: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The real BFF on an ephemeral HTTP port, talking to the given service addresses through the
 * same runtime as bff/main.ts (its client factory: breakers and bulkheads; BREAKER_* and
 * BULKHEAD_* in `env` size them).
 */
export async function startBff(
  peers: Partial<Record<'schedule' | 'pricing' | 'search' | 'booking', string>>,
  env: Record<string, string> = {},
): Promise<BffFixture> {
  const { runtime, close } = openRuntime(BFF_PROCESS, {
    LOG_LEVEL: 'silent',
    SCHEDULE_ADDR: peers.schedule ?? '127.0.0.1:1',
    PRICING_ADDR: peers.pricing ?? '127.0.0.1:1',
    SEARCH_ADDR: peers.search ?? '127.0.0.1:1',
    BOOKING_ADDR: peers.booking ?? '127.0.0.1:1',
    // In-process tests sign their own tokens; test/identity-edge.test.ts uses the real issuer.
    JWT_SECRET: DEV_JWT_SECRET,
    ...env,
  });
  const { config, log } = runtime;
  const clients = createBffClients(connectThrough(runtime.client));
  const app = await buildBff({
    clients,
    config,
    log,
    authenticate: createAuthenticator(config),
  });
  // Ephemeral unless env names a port (a test that must know it beforehand, for a redirect URI).
  await app.listen({ port: env.PORT ? Number(env.PORT) : 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    config,
    token: (customerId) => signDevToken(customerId, config),
    async stop() {
      await app.close();
      await close();
    },
  };
}
