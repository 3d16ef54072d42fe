/**
 * A headless client of the identity service, for scripts and tests: it signs a user in through
 * the real login page and the authorization-code flow with PKCE, exactly as a browser would
 * (discovery → /auth → login form → code → /token), or gets a service token with
 * client_credentials. Hand-written on fetch because the flow is four requests and the one
 * client library for it (openid-client) would still leave the login form to us.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface TokenResponse {
  access_token: string;
  token_type: string;
  /** Seconds. */
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

/** An error of the flow, with the step it failed at and what the server said. */
export class LoginFlowError extends Error {
  override name = 'LoginFlowError';
}

export async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(new URL('.well-known/openid-configuration', `${issuer}/`));
  if (!res.ok) throw new LoginFlowError(`discovery: HTTP ${res.status} from ${issuer}`);
  return (await res.json()) as Discovery;
}

/** Remembers cookies by name across redirects of one flow (one origin, so no domain rules). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function tokenRequest(
  endpoint: string,
  body: URLSearchParams,
  headers: Record<string, string> = {},
): Promise<TokenResponse> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  const json = (await res.json()) as TokenResponse & { error?: string; error_description?: string };
  if (!res.ok)
    throw new LoginFlowError(`token: ${json.error ?? res.status}: ${json.error_description ?? ''}`);
  return json;
}

export interface PasswordLogin {
  issuer: string;
  clientId: string;
  redirectUri: string;
  login: string;
  password: string;
  /** Default "openid roles". */
  scope?: string;
}

/** What the authorization step hands the client: the code, and the PKCE verifier it needs. */
export interface Authorized {
  code: string;
  verifier: string;
  tokenEndpoint: string;
}

/**
 * Signs `login` in with the password through the login page and returns the authorization
 * code the provider redirected to `redirectUri` with (not yet exchanged).
 */
export async function authorizeWithPassword(o: PasswordLogin): Promise<Authorized> {
  const meta = await discover(o.issuer);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const auth = new URL(meta.authorization_endpoint);
  auth.search = new URLSearchParams({
    client_id: o.clientId,
    response_type: 'code',
    redirect_uri: o.redirectUri,
    scope: o.scope ?? 'openid roles',
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  const jar = new CookieJar();
  const hop = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.take(res);
    return res;
  };
  const follow = async (res: Response, until: (location: string) => boolean) => {
    while (res.status >= 300 && res.status < 400) {
      const location = new URL(res.headers.get('location')!, res.url || o.issuer).href;
      if (until(location)) return location;
      res = await hop(location);
    }
    return res;
  };

  // To the login page…
  const page = await follow(await hop(auth.href), () => false);
  if (typeof page === 'string' || page.status !== 200)
    throw new LoginFlowError(
      `authorize: expected the login page, got HTTP ${(page as Response).status}`,
    );
  const action = /<form method="post" action="([^"]+)"/.exec(await page.text())?.[1];
  if (!action) throw new LoginFlowError('authorize: no login form on the page');
  // …submit it, and follow the redirects to the client's redirect URI.
  const submitted = await hop(new URL(action, page.url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login: o.login, password: o.password }),
  });
  if (submitted.status === 401) throw new LoginFlowError(`login: refused for ${o.login}`);
  const callback = await follow(submitted, (l) => l.startsWith(o.redirectUri));
  if (typeof callback !== 'string')
    throw new LoginFlowError(
      `login: expected a redirect to the client, got HTTP ${callback.status}`,
    );
  const params = new URL(callback).searchParams;
  if (params.get('error'))
    throw new LoginFlowError(
      `authorize: ${params.get('error')}: ${params.get('error_description')}`,
    );
  if (params.get('state') !== state) throw new LoginFlowError('authorize: state does not match');
  return { code: params.get('code')!, verifier, tokenEndpoint: meta.token_endpoint };
}

/** Exchanges an authorization code at the token endpoint (public client: no secret). */
export function exchangeCode(
  a: Authorized,
  o: { clientId: string; redirectUri: string },
): Promise<TokenResponse> {
  return tokenRequest(
    a.tokenEndpoint,
    new URLSearchParams({
      grant_type: 'authorization_code',
      code: a.code,
      redirect_uri: o.redirectUri,
      client_id: o.clientId,
      code_verifier: a.verifier,
    }),
  );
}

/** The whole flow: sign in through the login page, exchange the code; the token response. */
export async function loginWithPassword(o: PasswordLogin): Promise<TokenResponse> {
  return exchangeCode(await authorizeWithPassword(o), o);
}

/** A token for a service client (client_credentials, client_secret_basic). */
export async function clientCredentials(o: {
  issuer: string;
  clientId: string;
  clientSecret: string;
}): Promise<TokenResponse> {
  const meta = await discover(o.issuer);
  const basic = Buffer.from(
    `${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`,
  ).toString('base64');
  return tokenRequest(
    meta.token_endpoint,
    new URLSearchParams({ grant_type: 'client_credentials' }),
    { authorization: `Basic ${basic}` },
  );
}
