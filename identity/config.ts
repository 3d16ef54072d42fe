import { z } from 'zod';
import { listenHost } from '../platform/listen.js';

/** The identity service's conventional port (ARCHITECTURE.md). */
export const IDENTITY_PORT = 3001;
/** Where its Prometheus /metrics is served (beside the mesh's 9451–9455). */
export const IDENTITY_METRICS_PORT = 9456;

/**
 * The audience of every access token this provider issues for the mesh: the resource indicator
 * (RFC 8707) the BFF and Envoy expect in `aud`. A URN, because RFC 8707 wants an absolute URI
 * and nothing is served at it.
 */
export const API_RESOURCE = 'urn:flight-mesh:api';

const list = z
  .string()
  .transform((s) => s.split(',').map((u) => u.trim()))
  .pipe(z.array(z.string().url('must be a comma-separated list of URLs')).min(1));

/** The identity service's environment (validated at start; a bad variable exits 2). */
export const identityEnv = {
  PORT: z.coerce.number().int().min(0).max(65535).default(IDENTITY_PORT),
  /** GET /metrics (Prometheus) on its own port; 0 = not served. Only identity/main.ts serves it. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(IDENTITY_METRICS_PORT),
  /** Where to listen: loopback for `npm start`; `0.0.0.0` in a container. */
  HOST: listenHost('127.0.0.1'),
  /**
   * The issuer URL as clients and browsers reach it, and the `iss` of every token. Unset: the
   * listening address, http://127.0.0.1:<PORT>.
   */
  ISSUER: z.string().url().optional(),
  /** Where the signing keys, cookie keys and the ops client's secret are kept. */
  DATA_DIR: z.string().min(1).default('./data/identity'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Lifetime of access tokens, seconds: short, so a stolen token is worth little. */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
  /** Redirect URIs of the web front end's public client (the BFF's /auth/callback). */
  WEB_REDIRECT_URIS: list.default([
    'http://127.0.0.1:3000/auth/callback',
    'http://localhost:3000/auth/callback',
  ]),
  /** Where the web client may send the browser after logout (the BFF's origin). */
  WEB_POST_LOGOUT_REDIRECT_URIS: list.default(['http://127.0.0.1:3000/', 'http://localhost:3000/']),
  /**
   * Secret of the `flight-mesh-ops` service client (client_credentials). Unset: one is generated
   * on the first start and kept in DATA_DIR/ops-client-secret.
   */
  OPS_CLIENT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
};

export type IdentityConfig = z.infer<z.ZodObject<typeof identityEnv>>;
