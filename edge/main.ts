/**
 * The edge's mesh identity (compose service `edge-identity`, `npm run start:edge-identity`):
 * Envoy cannot ask Consul for certificates itself, so this process does, as the service
 * `envoy`, and keeps them in a directory Envoy reads through SDS (platform/identity-files.ts).
 * On start it also writes the mesh's intentions (MESH_CALLS: deny everything else), which is
 * what `npm start` does before it starts the services.
 *
 * Environment: CONSUL_HTTP_ADDR (required), IDENTITY_DIR (where to write), IDENTITY_SDS_DIR
 * (the same directory as Envoy mounts it), MESH_IDENTITY (default `envoy`), LOG_LEVEL.
 */
import { z } from 'zod';
import { EDGE_IDENTITY, MESH_CALLS } from '../flights/mesh.js';
import { loadConfig } from '../platform/config.js';
import { ConsulCertificates } from '../platform/connect-ca.js';
import { writeIntentions } from '../platform/intentions.js';
import { writeIdentityFiles } from '../platform/identity-files.js';
import { runProcess } from '../platform/lifecycle.js';
import { createLogger } from '../platform/logger.js';

export const edgeIdentityEnv = {
  CONSUL_HTTP_ADDR: z
    .string()
    .min(1)
    .transform((v) => (/^https?:\/\//.test(v) ? v : `http://${v}`))
    .pipe(z.string().url()),
  IDENTITY_DIR: z.string().min(1),
  IDENTITY_SDS_DIR: z.string().min(1),
  MESH_IDENTITY: z.string().min(1).default(EDGE_IDENTITY),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

await runProcess('edge-identity', async () => {
  const config = loadConfig(edgeIdentityEnv);
  const log = createLogger('edge-identity', config.LOG_LEVEL);
  // Retried until the agent answers: compose starts this beside Consul.
  for (let attempt = 0; ; attempt++) {
    try {
      await writeIntentions(config.CONSUL_HTTP_ADDR, MESH_CALLS);
      break;
    } catch (err) {
      if (attempt >= 60) throw err;
      log.warn({ err: (err as Error).message }, 'intentions not written yet, retrying');
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  log.info(
    { calls: MESH_CALLS.length },
    'intentions written: the mesh calls allowed, all else denied',
  );
  const certs = new ConsulCertificates(config.CONSUL_HTTP_ADDR, config.MESH_IDENTITY, log);
  const unfollow = writeIdentityFiles(certs, config.IDENTITY_DIR, config.IDENTITY_SDS_DIR, log);
  await certs.start();
  log.info({ dir: config.IDENTITY_DIR, service: config.MESH_IDENTITY }, 'ready: identity written');
  return {
    log,
    stop: async () => {
      unfollow();
      certs.close();
    },
  };
});
