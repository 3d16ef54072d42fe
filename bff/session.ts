/**
 * Browser sessions: the backend-for-frontend pattern. A browser never holds a token: it holds
 * an HttpOnly, SameSite=Lax cookie naming a session here, and the session holds the access
 * token. A request that carries the cookie (and no Authorization header of its own) is sent on
 * to the API routes as if it carried `Authorization: Bearer <the session's token>`, so every
 * route checks the token exactly as it does for API clients, which keep sending bearer tokens.
 *
 * Cookie-authenticated writes (POST, PUT, PATCH, DELETE) need an `X-CSRF-Token` header
 * (@fastify/csrf-protection: a secret in its own HttpOnly cookie, a token bound to the session
 * id by HMAC, so a token from another session or a tossed cookie does not pass). Browser code
 * reads the token from `GET /auth/session`; another site can neither read it nor, with
 * SameSite=Lax, send the session cookie on its own POSTs.
 *
 * Logging in is a separate concern: whatever flow obtains an access token (the OpenID Connect
 * authorization-code + PKCE flow of the identity service, bff/oidc-login.ts, or the development
 * login below) calls `sessions.start(reply, tokens)`. An access token about to expire is renewed
 * with the session's refresh token before the request goes on; without one (or when renewal
 * fails) the session ends with its token.
 *
 * Sessions live in this process (a bounded LRU, each until its token expires): a restart signs
 * everybody out, and replicas of the BFF would each need their own sticky clients, or a shared
 * store behind the same interface.
 */
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrfProtection from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { decodeJwt, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { text } from '../flights/fields.js';
import { DEV_JWT_SECRET, type Authenticator } from './auth.js';
import { emptyBody } from './schemas.js';
import type { BffConfig } from './config.js';
import type { Logger } from '../platform/logger.js';
import { publicOrigin, registerOidcLogin } from './oidc-login.js';
import { HttpProblem } from './problem.js';

export const SESSION_COOKIE = 'fm_session';
export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Tokens from a login or a renewal. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
}

/** Renews an access token with a refresh token (the login flow that issued them provides it). */
export type Refresher = (refreshToken: string) => Promise<TokenSet>;

/** How long a session with a refresh token may live at most (the provider's own limit is 8 h). */
const SESSION_MAX_MS = 8 * 3_600_000;
/** An access token with less than this left is renewed before it is used. */
const RENEW_BEFORE_MS = 30_000;

/** What the BFF keeps for one signed-in browser. */
export interface BrowserSession {
  subject: string;
  /** From the token's `roles` claim, e.g. ["customer"] or ["operator"]. */
  roles: string[];
  accessToken: string;
  /** When the access token expires, ms since the epoch; the session ends then. */
  expiresAt: number;
  refreshToken?: string;
  idToken?: string;
}

export interface Sessions {
  /**
   * Starts a session for an access token from a login flow: verifies it like any bearer token
   * (throws the 401 HttpProblem when it is not good), stores it and sets the cookie.
   */
  start(reply: FastifyReply, tokens: TokenSet): Promise<BrowserSession>;
  /** Installs how access tokens are renewed (the OIDC login does, when it is on). */
  refreshWith(refresher: Refresher): void;
  /** The request's session, if its cookie names a live one. */
  current(req: FastifyRequest): BrowserSession | undefined;
  /** Forgets the request's session and clears the cookie. */
  end(req: FastifyRequest, reply: FastifyReply): void;
}

export interface SessionDeps {
  config: BffConfig;
  authenticate: Authenticator;
  log: Logger;
}

/** Sign-in through the identity service whenever tokens come from an issuer, not a shared key. */
export const oidcLoginEnabled = (config: BffConfig) => !config.JWT_SECRET;

/** The development login is there only while the documented, public development key is. */
export const devLoginEnabled = (config: BffConfig) =>
  config.JWT_SECRET === DEV_JWT_SECRET && !config.JWT_JWKS_URL;

const sessionInfo = z.object({
  signedIn: z.boolean(),
  subject: z.string().nullable(),
  roles: z.array(z.string()),
  expiresAt: z.string().nullable().describe('ISO-8601 instant the session ends'),
  csrfToken: z.string().nullable().describe(`send as ${CSRF_HEADER} on writes`),
  login: z.object({
    dev: z.boolean().describe('the development-only sign-in is on'),
    oidc: z.boolean().describe('GET /auth/login signs in through the identity service'),
  }),
});

const devLoginBody = z.strictObject({
  subject: text().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'must be 1–64 letters, digits or . _ @ -'),
  roles: z
    .array(z.enum(['customer', 'operator']))
    .max(2)
    .default(['customer']),
});

export async function registerSessions(app: FastifyInstance, deps: SessionDeps): Promise<Sessions> {
  const { config } = deps;
  // Per-process keys: sessions are per process too, so nothing signed outlives its key.
  await app.register(fastifyCookie, { secret: randomBytes(32).toString('base64url') });
  await app.register(fastifyCsrfProtection, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, signed: true },
    getToken: (req) => req.headers[CSRF_HEADER] as string | undefined,
    getUserInfo: (req) => req.cookies[SESSION_COOKIE] ?? '',
    csrfOpts: { hmacKey: randomBytes(32) },
  });

  const store = new LRUCache<string, BrowserSession>({ max: 10_000, ttlAutopurge: false });
  const cookieOptions = (req: FastifyRequest) => ({
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: publicOrigin(req).protocol === 'https:',
  });

  let refresher: Refresher | undefined;
  /** Session id → the renewal under way, so concurrent requests renew once (tokens rotate). */
  const renewing = new Map<string, Promise<BrowserSession | undefined>>();

  /** A session from verified tokens (throws the 401 HttpProblem when they are not good). */
  const sessionOf = async (tokens: TokenSet): Promise<BrowserSession> => {
    const { subject, roles } = await deps.authenticate(`Bearer ${tokens.accessToken}`);
    const exp = decodeJwt(tokens.accessToken).exp;
    return {
      subject,
      roles: [...roles],
      accessToken: tokens.accessToken,
      expiresAt: exp ? exp * 1000 : Date.now() + 3_600_000,
      ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
      ...(tokens.idToken ? { idToken: tokens.idToken } : {}),
    };
  };
  /** How long the store keeps a session: its token's life, or with a refresh token, longer. */
  const lifetimeMs = (s: BrowserSession) =>
    Math.max(1, s.refreshToken ? SESSION_MAX_MS : s.expiresAt - Date.now());

  const sessions: Sessions = {
    async start(reply, tokens) {
      const session = await sessionOf(tokens);
      const old = reply.request.cookies[SESSION_COOKIE];
      if (old) store.delete(old);
      // A new id on every login: a session id planted before login is worth nothing after.
      const id = randomBytes(32).toString('base64url');
      const ttl = lifetimeMs(session);
      store.set(id, session, { ttl });
      reply.setCookie(SESSION_COOKIE, id, {
        ...cookieOptions(reply.request),
        expires: new Date(Date.now() + ttl),
      });
      reply.request.cookies[SESSION_COOKIE] = id;
      return session;
    },
    refreshWith(r) {
      refresher = r;
    },
    current(req) {
      const id = req.cookies[SESSION_COOKIE];
      return id ? store.get(id) : undefined;
    },
    end(req, reply) {
      const id = req.cookies[SESSION_COOKIE];
      if (id) store.delete(id);
      reply.clearCookie(SESSION_COOKIE, cookieOptions(req));
    },
  };

  /** The request's session with a token good for a while yet: renewed if need be, else gone. */
  const liveSession = async (req: FastifyRequest): Promise<BrowserSession | undefined> => {
    const id = req.cookies[SESSION_COOKIE];
    const session = id ? store.get(id) : undefined;
    if (!id || !session || session.expiresAt - Date.now() > RENEW_BEFORE_MS) return session;
    if (!session.refreshToken || !refresher) {
      if (session.expiresAt <= Date.now()) store.delete(id);
      return session.expiresAt > Date.now() ? session : undefined;
    }
    let renewal = renewing.get(id);
    if (!renewal) {
      const renew = refresher;
      renewal = renew(session.refreshToken)
        .then(sessionOf)
        .then(
          (fresh) => {
            const next = { ...fresh, refreshToken: fresh.refreshToken ?? session.refreshToken };
            store.set(id, next, { ttl: lifetimeMs(next) });
            return next;
          },
          (err: unknown) => {
            deps.log.info({ err: (err as Error).message }, 'session ended: token renewal failed');
            store.delete(id);
            return undefined;
          },
        )
        .finally(() => renewing.delete(id));
      renewing.set(id, renewal);
    }
    return renewal;
  };

  // The cookie stands in for a bearer token; writes must also prove they come from our pages.
  app.addHook('onRequest', (req, reply, done) => {
    if (req.headers.authorization || !req.cookies[SESSION_COOKIE]) return done();
    liveSession(req).then((session) => {
      if (!session) return done();
      const authorize = () => {
        req.headers.authorization = `Bearer ${session.accessToken}`;
        done();
      };
      if (UNSAFE_METHODS.has(req.method)) app.csrfProtection(req, reply, authorize);
      else authorize();
    }, done);
  });

  const api = app.withTypeProvider<ZodTypeProvider>();
  const info = (req: FastifyRequest, reply: FastifyReply) => {
    const s = sessions.current(req);
    return {
      signedIn: Boolean(s),
      subject: s?.subject ?? null,
      roles: s?.roles ?? [],
      expiresAt: s ? new Date(s.expiresAt).toISOString() : null,
      csrfToken: s ? reply.generateCsrf({ userInfo: req.cookies[SESSION_COOKIE] }) : null,
      login: { dev: devLoginEnabled(config), oidc: oidcLoginEnabled(config) },
    };
  };

  api.get('/auth/session', {
    schema: { hide: true, response: { 200: sessionInfo } },
    handler: async (req, reply) => reply.header('cache-control', 'no-store').send(info(req, reply)),
  });

  api.post('/auth/logout', {
    schema: { hide: true, body: emptyBody },
    handler: async (req, reply) => {
      sessions.end(req, reply);
      return reply.code(204).send();
    },
  });

  /**
   * DEVELOPMENT ONLY: signs a token for any subject with the documented development key, which
   * anyone can do anyway (`npm run dev-token`); gone as soon as a real key or issuer is set.
   * A JSON body is required, which a cross-site HTML form cannot send.
   */
  api.post('/auth/dev-login', {
    schema: { hide: true, body: devLoginBody, response: { 200: sessionInfo } },
    handler: async (req, reply) => {
      if (!devLoginEnabled(config))
        throw new HttpProblem(
          404,
          'not-found',
          'Not found',
          'the development login is off: a real signing key or issuer is configured',
        );
      const accessToken = await new SignJWT({ roles: req.body.roles })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(req.body.subject)
        .setIssuer(config.JWT_ISSUER)
        .setAudience(config.JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('12h')
        .sign(new TextEncoder().encode(config.JWT_SECRET));
      await sessions.start(reply, { accessToken });
      return reply.header('cache-control', 'no-store').send(info(req, reply));
    },
  });

  if (oidcLoginEnabled(config))
    registerOidcLogin(app, {
      issuer: config.JWT_ISSUER,
      internalUrl: config.IDENTITY_INTERNAL_URL,
      sessions,
      log: deps.log,
    });
  return sessions;
}
