import { createServer } from 'node:http';
import { errors as joseErrors, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { createAuthenticator, DEV_JWT_SECRET, requireRole, signDevToken } from './auth.js';
import { HttpProblem } from './problem.js';
import { checkTokenLifetime } from './token-lifetime.js';

const config = {
  JWT_SECRET: DEV_JWT_SECRET,
  JWT_ISSUER: 'http://127.0.0.1:3001',
  JWT_AUDIENCE: 'urn:flight-mesh:api',
};
const authenticate = createAuthenticator(config);

async function refused(
  auth: (h: string | undefined) => Promise<unknown>,
  authorization: string | undefined,
  status = 401,
): Promise<HttpProblem> {
  const err = await auth(authorization).then(
    () => {
      throw new Error(`expected a ${status}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpProblem);
  const p = (err as HttpProblem).toResponse();
  expect(p.status).toBe(status);
  if (status === 401) expect(p.headers?.['www-authenticate']).toMatch(/^Bearer realm=/);
  return err as HttpProblem;
}
const rejected = (authorization: string | undefined) => refused(authenticate, authorization);

const sign = (
  claims: { sub?: string; iss?: string; aud?: string; exp?: string; roles?: unknown },
  secret = DEV_JWT_SECRET,
) => {
  let jwt = new SignJWT(claims.roles === undefined ? {} : { roles: claims.roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt();
  if (claims.sub) jwt = jwt.setSubject(claims.sub);
  jwt = jwt
    .setIssuer(claims.iss ?? config.JWT_ISSUER)
    .setAudience(claims.aud ?? config.JWT_AUDIENCE);
  jwt = jwt.setExpirationTime(claims.exp ?? '1h');
  return jwt.sign(new TextEncoder().encode(secret));
};

describe('bearer tokens (HS256 with the configured secret: unit tests only)', () => {
  it('names the caller by the token subject, with the roles it carries', async () => {
    expect(await authenticate(`Bearer ${await signDevToken('alice', config)}`)).toEqual({
      subject: 'alice',
      roles: ['customer'],
    });
    expect((await authenticate(`Bearer   ${await signDevToken('alice', config)}`)).subject).toBe(
      'alice',
    );
    expect(await authenticate(`bearer ${await sign({ sub: 'bob' })}`)).toEqual({
      subject: 'bob',
      roles: [],
    });
    // Roles are strings in an array, or there are none.
    for (const roles of ['operator', { operator: true }, [1, 'operator']])
      expect((await authenticate(`Bearer ${await sign({ sub: 'x', roles })}`)).roles).toEqual(
        Array.isArray(roles) ? ['operator'] : [],
      );
  });

  it('remembers a verified token only while it is valid: expired is 401 even after a hit', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      const auth = createAuthenticator(config);
      const header = `Bearer ${await sign({ sub: 'alice', exp: '10s' })}`;
      expect(await auth(header)).toEqual({ subject: 'alice', roles: [] });
      vi.advanceTimersByTime(5_000);
      expect(await auth(header)).toEqual({ subject: 'alice', roles: [] });
      // Past exp and the 60 s clock skew jose allows.
      vi.advanceTimersByTime(66_000);
      expect((await refused(auth, header)).message).toContain('exp');
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers 401 for a missing, malformed, forged, expired or foreign token, saying why in its own words', async () => {
    await rejected(undefined);
    await rejected('');
    await rejected('Basic YWxpY2U6c2VjcmV0');
    const unsigned = new UnsecuredJWT({ sub: 'alice' })
      .setIssuer(config.JWT_ISSUER)
      .setAudience(config.JWT_AUDIENCE)
      .encode();
    const why: [string, string][] = [
      ['not.a.jwt', 'it is not a well-formed signed JWT'],
      [
        await sign({ sub: 'alice' }, 'another-secret-that-is-long-enough-to-use'),
        'its signature does not verify',
      ],
      [await sign({ sub: 'alice', exp: '-1m' }), 'its "exp" has passed: the token has expired'],
      [
        await sign({ sub: 'alice', iss: 'somebody-else' }),
        'its "iss" is not the issuer this API trusts',
      ],
      [await sign({ sub: 'alice', aud: 'another-api' }), 'its "aud" does not name this API'],
      [await sign({}), 'it has no "sub" claim'],
      [unsigned, 'its signing algorithm is not accepted'],
    ];
    for (const [token, detail] of why) {
      const p = (await rejected(`Bearer ${token}`)).toResponse();
      expect(p.body.detail).toBe(`invalid token: ${detail}`);
      expect(p.body.errors).toEqual([
        { field: 'authorization', detail: `invalid token: ${detail}` },
      ]);
      expect(p.headers?.['www-authenticate']).toContain('error="invalid_token"');
    }
  });
});

describe('requireRole', () => {
  it('passes a caller with the role, and answers 403 problem naming the role otherwise', () => {
    const olive = { subject: 'olive', roles: ['operator'] };
    expect(requireRole(olive, 'operator')).toBe(olive);
    const p = (() => {
      try {
        requireRole({ subject: 'alice', roles: ['customer'] }, 'operator');
      } catch (e) {
        return (e as HttpProblem).toResponse();
      }
      throw new Error('expected a 403');
    })();
    expect(p.status).toBe(403);
    expect(p.body.type).toBe('https://flight-mesh.dev/problems/forbidden');
    expect(p.body.detail).toBe('this needs the operator role; the token has customer');
  });
});

describe('bearer tokens (keys from a JWKS URL)', () => {
  it('verifies access tokens (typ at+jwt) signed by a key the JWKS lists, and only those', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    let jwksStatus = 200;
    const server = createServer((_req, res) =>
      res
        .writeHead(jwksStatus, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const viaJwks = createAuthenticator({
      JWT_ISSUER: config.JWT_ISSUER,
      JWT_AUDIENCE: config.JWT_AUDIENCE,
      JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks`,
    });
    const token = (key: typeof privateKey, typ = 'at+jwt', kid = 'k1') =>
      new SignJWT({ roles: ['operator'] })
        .setProtectedHeader({ alg: 'RS256', kid, typ })
        .setSubject('carol')
        .setIssuer(config.JWT_ISSUER)
        .setAudience(config.JWT_AUDIENCE)
        .setExpirationTime('5m')
        .sign(key);
    try {
      expect(await viaJwks(`Bearer ${await token(privateKey)}`)).toEqual({
        subject: 'carol',
        roles: ['operator'],
      });
      // Foreign-signed, an ID token (typ JWT), and a shared-secret token are all refused.
      await refused(viaJwks, `Bearer ${await token(other.privateKey)}`);
      await refused(viaJwks, `Bearer ${await token(privateKey, 'JWT')}`);
      await refused(viaJwks, `Bearer ${await signDevToken('alice', config)}`);
      // An issuer that answers its JWKS with an error is a 503 (not the caller's fault), and so
      // is an issuer that cannot be reached at all.
      jwksStatus = 500;
      const failing = createAuthenticator({
        JWT_ISSUER: config.JWT_ISSUER,
        JWT_AUDIENCE: config.JWT_AUDIENCE,
        JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks`,
      });
      await refused(failing, `Bearer ${await token(privateKey)}`, 503);
    } finally {
      await new Promise((r) => server.close(r));
    }
    // The server is closed now: nothing listens on its port.
    const unreachable = createAuthenticator({
      JWT_ISSUER: config.JWT_ISSUER,
      JWT_AUDIENCE: config.JWT_AUDIENCE,
      JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks`,
    });
    const p = await refused(unreachable, `Bearer ${await token(privateKey)}`, 503);
    expect(p.toResponse().retryAfter).toBe(1);
  });
});

describe('token lifetime (exp required, bounded, iat and nbf sane), at a fixed now', () => {
  const NOW = 1_800_000_000;
  const limits = { JWT_MAX_LIFETIME_S: 3600, JWT_CLOCK_SKEW_S: 60 };
  const check = (claims: Record<string, number>) => () =>
    checkTokenLifetime({ exp: NOW + 60, ...claims }, limits, NOW);

  it.each([
    ['the longest lifetime from iat', { iat: NOW, exp: NOW + 3600 }],
    ['the longest lifetime from now, no iat', { exp: NOW + 3600 + 60 }],
    ['iat ahead of us, within the skew', { iat: NOW + 60, exp: NOW + 120 }],
    ['nbf just before exp', { nbf: NOW, exp: NOW + 1 }],
  ])('accepts %s', (_what, claims) => expect(check(claims)).not.toThrow());

  it.each([
    ['a lifetime one second over the limit', { iat: NOW, exp: NOW + 3601 }, 'exp'],
    ['exp too far from now, no iat', { exp: NOW + 3600 + 61 }, 'exp'],
    ['iat beyond the skew', { iat: NOW + 61, exp: NOW + 120 }, 'iat'],
    ['exp at iat', { iat: NOW - 10, exp: NOW - 10 }, 'exp'],
    ['nbf at exp', { nbf: NOW + 30, exp: NOW + 30 }, 'nbf'],
  ])('refuses %s, naming the claim', (_what, claims, claim) => {
    const err = (() => {
      try {
        check(claims)();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(joseErrors.JWTClaimValidationFailed);
    expect((err as InstanceType<typeof joseErrors.JWTClaimValidationFailed>).claim).toBe(claim);
  });

  it('answers 401 invalid_token for a token without exp, naming the claim', async () => {
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer(config.JWT_ISSUER)
      .setAudience(config.JWT_AUDIENCE)
      .setIssuedAt()
      .sign(new TextEncoder().encode(DEV_JWT_SECRET));
    const p = (await rejected(`Bearer ${noExp}`)).toResponse();
    expect(p.headers?.['www-authenticate']).toContain('error="invalid_token"');
    expect(p.body.detail).toContain('"exp"');
  });
});
