/**
 * Signing a browser in through the identity service: the OpenID Connect authorization-code flow
 * with PKCE, run by the BFF as a confidential-by-position public client (`flight-mesh-web`), with
 * openid-client doing discovery, the authorization URL, and the checks on the way back (state,
 * issuer, PKCE, the ID token's nonce and signature). The tokens go into the session
 * (bff/session.ts); the browser only ever sees the session cookie.
 *
 *   GET /auth/login?returnTo=/bookings  → 302 to the provider's login page
 *   GET /auth/callback?code=…&state=…   → tokens, a session, 302 back to returnTo
 *
 * The flow is bound to the browser that started it by a short-lived HttpOnly cookie holding
 * its state; the PKCE verifier and nonce stay here, in a small LRU, until the callback.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import { WEB_CLIENT_ID } from '../identity/clients.js';
import type { Logger } from '../platform/logger.js';
import type { Sessions, TokenSet } from './session.js';

const FLOW_COOKIE = 'fm_login';
const FLOW_TTL_MS = 10 * 60_000;
/** `roles` for the claim, `offline_access` (granted with consent) for a refresh token. */
const SCOPE = 'openid roles offline_access';

interface PendingLogin {
  verifier: string;
  nonce: string;
  redirectUri: string;
  returnTo: string;
}

/** Only a path on this site: never an open redirect to somewhere else. */
export const safeReturnTo = (value: unknown): string =>
  typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : '/';

const tokenSet = (t: oidc.TokenEndpointResponse): TokenSet => ({
  accessToken: t.access_token,
  ...(t.refresh_token ? { refreshToken: t.refresh_token } : {}),
  ...(t.id_token ? { idToken: t.id_token } : {}),
});

/**
 * A fetch that reaches the provider at `internalUrl` while everyone else knows it by `issuer`:
 * requests for the issuer's origin go to the internal one, and URLs of the internal origin in
 * the discovery document are put back to the issuer's (oidc-provider builds its endpoints from
 * the request's own host), so the browser is sent to the public login page and later calls
 * come back through here. Only connections change: the issuer the responses are checked
 * against (discovery's `issuer`, the ID token's `iss`) stays the public one.
 */
export function backChannelFetch(issuer: string, internalUrl: string): oidc.CustomFetch {
  const publicOrigin = new URL(issuer).origin;
  const internal = new URL(internalUrl);
  return async (url, init) => {
    const target = new URL(url);
    if (target.origin === publicOrigin) {
      target.protocol = internal.protocol;
      target.host = internal.host;
    }
    const res = await fetch(target, init as RequestInit);
    if (!res.ok || !target.pathname.endsWith('/.well-known/openid-configuration')) return res;
    const metadata = (await res.json()) as Record<string, unknown>;
    const toPublic = (value: unknown) =>
      typeof value === 'string' && value.startsWith(`${internal.origin}/`)
        ? `${publicOrigin}${value.slice(internal.origin.length)}`
        : value;
    const rewritten = Object.fromEntries(
      Object.entries(metadata).map(([k, v]) => [k, toPublic(v)]),
    );
    return new Response(JSON.stringify(rewritten), {
      status: res.status,
      headers: { 'content-type': 'application/json' },
    });
  };
}

/**
 * The origin the client addressed, as the BFF writes it into what it builds (sign-in's redirect
 * URI, a cookie's `Secure`): the scheme and host request-head.ts's rejectBadHost let through (forwarded ones from
 * a trusted proxy), normalised as a URL writes them: `HTTPS` → https, `localhost:` →
 * localhost, port `04800` → 4800, a default port dropped. Written as sent, identity refused
 * such a redirect URI, and `HTTPS` made a session cookie without `Secure`.
 */
export function publicOrigin(req: FastifyRequest): URL {
  return new URL(`${req.protocol.toLowerCase()}://${req.host}`);
}

/**
 * @param options.issuer the provider's issuer, as browsers reach it
 * @param options.internalUrl where this process reaches the provider, if not at the issuer
 */
export function registerOidcLogin(
  app: FastifyInstance,
  options: { issuer: string; internalUrl?: string | undefined; sessions: Sessions; log: Logger },
): void {
  const { sessions, log } = options;
  const insecure =
    options.issuer.startsWith('http:') || Boolean(options.internalUrl?.startsWith('http:'));
  // Discovered on first use (the provider may start after the BFF), again after a failure.
  let configuration: Promise<oidc.Configuration> | undefined;
  const provider = () => {
    configuration ??= oidc
      .discovery(new URL(options.issuer), WEB_CLIENT_ID, undefined, oidc.None(), {
        // A local issuer is plain http (http://127.0.0.1:3001); production's is https.
        execute: insecure ? [oidc.allowInsecureRequests] : [],
        ...(options.internalUrl
          ? { [oidc.customFetch]: backChannelFetch(options.issuer, options.internalUrl) }
          : {}),
      })
      .catch((err: unknown) => {
        configuration = undefined;
        throw err;
      });
    return configuration;
  };
  const pending = new LRUCache<string, PendingLogin>({ max: 10_000, ttl: FLOW_TTL_MS });

  sessions.refreshWith(async (refreshToken) =>
    tokenSet(await oidc.refreshTokenGrant(await provider(), refreshToken)),
  );

  /**
   * Back to the page the traveller left (`returnTo`, its query included, so a search is still
   * there), marked `signin=failed` for the page to say so.
   */
  const failed = (reply: FastifyReply, why: string, err?: unknown, returnTo = '/') => {
    log.warn({ err: err instanceof Error ? err.message : err }, `sign-in failed: ${why}`);
    reply.clearCookie(FLOW_COOKIE, { path: '/auth' });
    const back = `${returnTo}${returnTo.includes('?') ? '&' : '?'}signin=failed`;
    return reply.header('cache-control', 'no-store').redirect(back);
  };
  const origin = (req: FastifyRequest) => publicOrigin(req).origin;

  app.get('/auth/login', { schema: { hide: true } }, async (req, reply) => {
    let config: oidc.Configuration;
    try {
      config = await provider();
    } catch (err) {
      return failed(
        reply,
        'the identity service is not reachable',
        err,
        safeReturnTo((req.query as Record<string, unknown>).returnTo),
      );
    }
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const redirectUri = `${origin(req)}/auth/callback`;
    pending.set(state, {
      verifier,
      nonce,
      redirectUri,
      returnTo: safeReturnTo((req.query as Record<string, unknown>).returnTo),
    });
    reply.setCookie(FLOW_COOKIE, state, {
      path: '/auth',
      httpOnly: true,
      sameSite: 'lax',
      secure: publicOrigin(req).protocol === 'https:',
      maxAge: FLOW_TTL_MS / 1000,
    });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: SCOPE,
      // offline_access is only granted with consent (OpenID Connect Core 11); the identity
      // service grants its own clients consent without asking.
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return reply.header('cache-control', 'no-store').redirect(url.href);
  });

  app.get('/auth/callback', { schema: { hide: true } }, async (req, reply) => {
    const state = req.cookies[FLOW_COOKIE];
    const flow = state ? pending.get(state) : undefined;
    if (!state || !flow) return failed(reply, 'no sign-in under way in this browser');
    pending.delete(state);
    try {
      const tokens = await oidc.authorizationCodeGrant(
        await provider(),
        new URL(req.url, origin(req)),
        {
          pkceCodeVerifier: flow.verifier,
          expectedState: state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        },
        { redirect_uri: flow.redirectUri },
      );
      await sessions.start(reply, tokenSet(tokens));
    } catch (err) {
      return failed(reply, 'the provider did not sign this browser in', err, flow.returnTo);
    }
    reply.clearCookie(FLOW_COOKIE, { path: '/auth' });
    return reply.header('cache-control', 'no-store').redirect(flow.returnTo);
  });
}
