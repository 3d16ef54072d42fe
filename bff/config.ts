import { z } from 'zod';
import { BFF_METRICS_PORT, BFF_PORT, peerEnv } from '../flights/mesh.js';
import { API_RESOURCE, IDENTITY_PORT } from '../identity/config.js';
import { commonEnv } from '../platform/config.js';
import { DEFAULT_CLOCK_SKEW_S, DEFAULT_MAX_LIFETIME_S } from './token-lifetime.js';

const ms = z.coerce.number().int().min(1);

export const bffEnv = {
  ...commonEnv(BFF_PORT, BFF_METRICS_PORT),
  ...peerEnv,
  /**
   * Bearer tokens come from the identity service (identity/): signed with its keys, checked
   * through its JWKS (JWT_JWKS_URL, default `<IDENTITY_INTERNAL_URL or JWT_ISSUER>/jwks`),
   * issued by JWT_ISSUER for JWT_AUDIENCE. JWT_SECRET (HS256, ≥ 32 characters) replaces all
   * that with a shared key: for tests only, never set in `npm start` or compose.
   */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_JWKS_URL: z.string().url().optional(),
  /** The issuer as browsers reach it: every token's `iss`, and where sign-in sends browsers. */
  JWT_ISSUER: z.string().url().default(`http://127.0.0.1:${IDENTITY_PORT}`),
  /**
   * Where this process reaches the identity service itself (discovery, token, JWKS) when that
   * is not the issuer's address: in compose, `http://identity:3001`, while the issuer and the
   * browser's sign-in page stay `http://localhost:3001`. Unset: JWT_ISSUER.
   */
  IDENTITY_INTERNAL_URL: z.string().url().optional(),
  JWT_AUDIENCE: z.string().min(1).default(API_RESOURCE),
  /** Tokens must carry `exp`, at most this many seconds after `iat` (or after now). */
  JWT_MAX_LIFETIME_S: z.coerce.number().int().min(60).default(DEFAULT_MAX_LIFETIME_S),
  /** How far the issuer's clock and ours may disagree, in seconds, for `exp`, `nbf` and `iat`. */
  JWT_CLOCK_SKEW_S: z.coerce.number().int().min(0).max(300).default(DEFAULT_CLOCK_SKEW_S),
  /**
   * Peers whose X-Forwarded-For is believed (fastify trustProxy: addresses, CIDRs or the names
   * loopback, linklocal, uniquelocal): the client of a request is then its first untrusted hop.
   */
  TRUST_PROXY: z.string().min(1).default('loopback,linklocal,uniquelocal'),
  /** Requests per client per minute; Envoy limits first, this is the second line. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Deadline budgets per kind of route; X-Request-Timeout may only shorten them. */
  READ_TIMEOUT_MS: ms.default(3_000),
  SEARCH_TIMEOUT_MS: ms.default(5_000),
  STREAM_TIMEOUT_MS: ms.default(30_000),
  BOOKING_TIMEOUT_MS: ms.default(15_000),
  /**
   * How long a client has to send a whole request (headers and body), in ms: a body shorter than
   * its Content-Length otherwise held its connection open for good (408 problem+json instead).
   */
  REQUEST_RECEIVE_TIMEOUT_MS: ms.default(30_000),
};

export type BffConfig = z.infer<z.ZodObject<typeof bffEnv>>;
