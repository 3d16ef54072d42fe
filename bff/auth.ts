import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { HttpProblem } from './problem.js';
import {
  checkTokenLifetime,
  lifetimeVerifyOptions,
  type TokenLifetimeConfig,
} from './token-lifetime.js';

/**
 * A shared HS256 key for unit tests and benchmarks that run the BFF in-process without the
 * identity service (JWT_SECRET). Anyone can mint tokens with it: `npm start` and compose verify
 * through the identity service's JWKS instead and never set it.
 */
export const DEV_JWT_SECRET = 'flight-mesh-dev-secret-do-not-use-in-production';

/** What a token may allow (the identity service's `roles` claim). */
export type Role = 'customer' | 'operator';

/** Who called: the token's subject (the customer id bookings are kept under) and roles. */
export interface Principal {
  subject: string;
  roles: readonly string[];
}

export interface AuthConfig extends TokenLifetimeConfig {
  /** HS256 secret: when set, tokens are checked against it only (tests; never in deployment). */
  JWT_SECRET?: string | undefined;
  /**
   * The issuer's JWKS; unset, `<IDENTITY_INTERNAL_URL or JWT_ISSUER>/jwks` (where the identity
   * service serves it).
   */
  JWT_JWKS_URL?: string | undefined;
  JWT_ISSUER: string;
  /** The identity service's address from this process, when not the issuer's (bff/config.ts). */
  IDENTITY_INTERNAL_URL?: string | undefined;
  JWT_AUDIENCE: string;
}

/** (authorization header) → the caller, or an HttpProblem 401 (or 503 if keys cannot be had). */
export type Authenticator = (authorization: string | undefined) => Promise<Principal>;

const unauthenticated = (detail: string, error?: 'invalid_token') =>
  new HttpProblem(
    401,
    'unauthenticated',
    'Authentication required',
    detail,
    // The header at fault, named as every bad field is.
    [{ field: 'authorization', detail }],
    {
      headers: {
        'www-authenticate': `Bearer realm="flight-mesh"${error ? `, error="${error}"` : ''}`,
      },
    },
  );

/**
 * JWKS trouble is not the caller's fault: the identity service is down or answers nonsense.
 * jose reports a timeout or a bad key set as such, an unreachable host as fetch's TypeError.
 */
const keysUnavailable = (err: unknown) =>
  err instanceof joseErrors.JWKSTimeout ||
  err instanceof joseErrors.JWKSInvalid ||
  !(err instanceof joseErrors.JOSEError) ||
  err.code === 'ERR_JOSE_GENERIC';

/**
 * Why jose refused a token, in this API's words (jose's own wording, "Invalid Compact JWS" or
 * 'unexpected "iss" claim value', names its internals, not what the client sent wrong). The
 * claim is named in quotes where one is at fault.
 */
function tokenRefusal(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'its "exp" has passed: the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = `"${err.claim}"`;
    if (err.reason === 'missing') return `it has no ${claim} claim`;
    if (err.reason === 'invalid') return `its ${claim} claim is not a number`;
    switch (err.claim) {
      case 'nbf':
        return 'its "nbf" is in the future: the token is not valid yet';
      case 'iat':
        return 'its "iat" is in the future: the token is not issued yet';
      case 'iss':
        return 'its "iss" is not the issuer this API trusts';
      case 'aud':
        return 'its "aud" does not name this API';
      case 'typ':
        return 'its "typ" header is not at+jwt: it is not an access token';
      default:
        return `its ${claim} claim is not accepted`;
    }
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'its signature does not verify';
  if (
    err instanceof joseErrors.JWKSNoMatchingKey ||
    err instanceof joseErrors.JWKSMultipleMatchingKeys
  )
    return 'it is signed with a key the issuer does not publish';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'its signing algorithm is not accepted';
  return 'it is not a well-formed signed JWT';
}

/** `roles` as the identity service writes it: an array of strings; anything else is none. */
const rolesOf = (payload: JWTPayload): string[] =>
  Array.isArray(payload.roles) ? payload.roles.filter((r) => typeof r === 'string') : [];

/** Tokens whose verification is remembered (a client sends the same one on every request). */
const VERIFIED_TOKENS = 10_000;
/**
 * The longest a verification is remembered, ms, even for a token valid longer: a key the issuer
 * withdraws from its JWKS stops vouching for its tokens within this (jose's own key cache keeps
 * keys as long).
 */
const VERIFIED_TTL_MS = 60_000;

/**
 * Verifies bearer tokens: signature (the issuer's JWKS, fetched and cached by jose's
 * createRemoteJWKSet, refetched when a token names an unknown key), `iss`, `aud`, a required
 * and bounded `exp` (token-lifetime.ts), and for JWKS-verified tokens the RFC 9068 type
 * `at+jwt` (so an ID token is no access token).
 *
 * A token that passed is remembered until its `exp` (plus the clock skew jose allows) or
 * VERIFIED_TTL_MS, whichever comes first: every check above only gets easier with time except
 * `exp`, so the answer is the same, without a signature check per request (profiled at about
 * 1 ms of CPU per request through WebCrypto). Failures are never remembered.
 */
export function createAuthenticator(config: AuthConfig): Authenticator {
  const key: Uint8Array | JWTVerifyGetKey = config.JWT_SECRET
    ? new TextEncoder().encode(config.JWT_SECRET)
    : createRemoteJWKSet(
        new URL(
          config.JWT_JWKS_URL ??
            `${(config.IDENTITY_INTERNAL_URL ?? config.JWT_ISSUER).replace(/\/$/, '')}/jwks`,
        ),
      );
  const verified = new LRUCache<string, { principal: Principal; untilMs: number }>({
    max: VERIFIED_TOKENS,
  });
  const skewMs = lifetimeVerifyOptions(config).clockTolerance * 1000;
  return async (authorization) => {
    // RFC 9110 credentials: the scheme, one or more spaces, the token.
    const token = /^Bearer +(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw unauthenticated('send Authorization: Bearer <token>');
    const known = verified.get(token);
    if (known && Date.now() < known.untilMs) return known.principal;
    let payload: JWTPayload;
    try {
      const options = {
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        ...lifetimeVerifyOptions(config),
      };
      ({ payload } =
        key instanceof Uint8Array
          ? // A shared secret verifies HS256 only; JWKS keys say their own algorithm.
            await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })
          : await jwtVerify(token, key, { ...options, typ: 'at+jwt' }));
    } catch (err) {
      if (!(key instanceof Uint8Array) && keysUnavailable(err))
        throw new HttpProblem(
          503,
          'unavailable',
          'Service unavailable',
          'the token issuer’s keys cannot be fetched right now; try again',
          undefined,
          { retryAfter: 1 },
        );
      throw unauthenticated(`invalid token: ${tokenRefusal(err)}`, 'invalid_token');
    }
    try {
      checkTokenLifetime(payload, config);
    } catch (err) {
      // Its messages are this API's own, naming the claim.
      throw unauthenticated(`invalid token: ${(err as Error).message}`, 'invalid_token');
    }
    if (!payload.sub)
      throw unauthenticated('invalid token: it has no "sub" claim', 'invalid_token');
    const principal = { subject: payload.sub, roles: rolesOf(payload) };
    // exp is required and checked above.
    const untilMs = Math.min(payload.exp! * 1000 + skewMs, Date.now() + VERIFIED_TTL_MS);
    verified.set(token, { principal, untilMs });
    return principal;
  };
}

/**
 * The caller, if they hold `role`; else 403 problem+json (the token is fine, the caller is
 * not allowed). Use after authenticating: `requireRole(await authenticate(h), 'operator')`.
 */
export function requireRole(principal: Principal, role: Role): Principal {
  if (!principal.roles.includes(role))
    throw new HttpProblem(
      403,
      'forbidden',
      'Forbidden',
      `this needs the ${role} role; the token has ${principal.roles.length ? principal.roles.join(', ') : 'none'}`,
    );
  return principal;
}

/** Signs a token with a shared secret (unit tests and in-process benchmarks only). */
export function signDevToken(
  customerId: string,
  config: Pick<AuthConfig, 'JWT_SECRET' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>,
  ttl = '12h',
  roles: readonly Role[] = ['customer'],
): Promise<string> {
  if (!config.JWT_SECRET) throw new Error('signDevToken needs JWT_SECRET');
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(customerId)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(new TextEncoder().encode(config.JWT_SECRET));
}
