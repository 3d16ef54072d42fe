import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { HttpProblem } from './problem.js';
import {
  checkTokenLifetime,
  lifetimeVerifyOptions,
  type TokenLifetimeConfig,
} from './token-lifetime.js';

/**
 * The documented development key (bff/README.md). Anyone can mint tokens with it, so the BFF
 * warns at start-up when it is in use; set JWT_SECRET or JWT_JWKS_URL anywhere that matters.
 */
export const DEV_JWT_SECRET = 'flight-mesh-dev-secret-do-not-use-in-production';

export interface AuthConfig extends TokenLifetimeConfig {
  JWT_SECRET: string;
  JWT_JWKS_URL?: string | undefined;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
}

/** Verifies a bearer token and returns the customer it names (`sub`). */
export function createAuthenticator(
  config: AuthConfig,
): (authorization: string | undefined) => Promise<string> {
  const key: Uint8Array | JWTVerifyGetKey = config.JWT_JWKS_URL
    ? createRemoteJWKSet(new URL(config.JWT_JWKS_URL))
    : new TextEncoder().encode(config.JWT_SECRET);
  return async (authorization) => {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token)
      throw new HttpProblem(
        401,
        'unauthenticated',
        'Authentication required',
        'send Authorization: Bearer <token>',
        undefined,
        { headers: { 'www-authenticate': 'Bearer realm="flight-mesh"' } },
      );
    try {
      const options = {
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        ...lifetimeVerifyOptions(config),
        // A shared secret verifies HS256 only; JWKS keys say their own algorithm.
        ...(key instanceof Uint8Array ? { algorithms: ['HS256'] } : {}),
      };
      const { payload } =
        key instanceof Uint8Array
          ? await jwtVerify(token, key, options)
          : await jwtVerify(token, key, options);
      checkTokenLifetime(payload, config);
      if (!payload.sub) throw new Error('token has no subject');
      return payload.sub;
    } catch (err) {
      throw new HttpProblem(
        401,
        'unauthenticated',
        'Authentication required',
        `invalid token: ${(err as Error).message}`,
        undefined,
        { headers: { 'www-authenticate': 'Bearer realm="flight-mesh", error="invalid_token"' } },
      );
    }
  };
}

/** Signs a token for a customer with a shared secret (development and tests). */
export function signDevToken(
  customerId: string,
  config: Pick<AuthConfig, 'JWT_SECRET' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>,
  ttl = '12h',
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(customerId)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(new TextEncoder().encode(config.JWT_SECRET));
}
