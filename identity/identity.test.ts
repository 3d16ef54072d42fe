import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdentity, type IdentityFixture } from '../test/support/identity.js';
import { ROOT } from '../test/support/processes.js';
import {
  authorizeWithPassword,
  clientCredentials,
  exchangeCode,
  LoginFlowError,
  loginWithPassword,
} from './client.js';
import { API_RESOURCE } from './config.js';
import { CLI_CLIENT_ID, CLI_REDIRECT_URI, OPS_CLIENT_ID, WEB_CLIENT_ID } from './clients.js';
import { DEMO_USERS } from './users.js';

let idp: IdentityFixture;
const password = (id: string) => DEMO_USERS.find((u) => u.id === id)!.password;
const cli = { clientId: CLI_CLIENT_ID, redirectUri: CLI_REDIRECT_URI };

beforeAll(async () => {
  idp = await startTestIdentity({ ACCESS_TOKEN_TTL_SECONDS: '120' });
});
afterAll(async () => {
  await idp?.stop();
});

/** Verifies an access token the way the BFF does: the issuer's JWKS, iss, aud, typ at+jwt. */
async function verifyAccessToken(token: string, issuer = idp.issuer) {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer,
    audience: API_RESOURCE,
    typ: 'at+jwt',
  });
  return { payload, protectedHeader };
}

describe('identity over HTTP: discovery and keys', () => {
  it('publishes its OpenID configuration: endpoints, code + PKCE (S256 only), the grants', async () => {
    const res = await fetch(`${idp.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(idp.issuer);
    expect(meta.jwks_uri).toBe(`${idp.issuer}/jwks`);
    expect(meta.authorization_endpoint).toBe(`${idp.issuer}/auth`);
    expect(meta.token_endpoint).toBe(`${idp.issuer}/token`);
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'client_credentials', 'refresh_token']),
    );
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'roles']));
    expect(meta.claims_supported).toEqual(expect.arrayContaining(['sub', 'roles']));
  });

  it('serves public signing keys only at jwks_uri, and keeps the private ones owner-only on disk', async () => {
    const { keys } = (await (await fetch(`${idp.issuer}/jwks`)).json()) as {
      keys: Record<string, string>[];
    };
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
      expect(k.kid).toBeTruthy();
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k).not.toHaveProperty(secret);
    }
    const mode = (await stat(path.join(idp.dataDir, 'keys.json'))).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${idp.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /favicon.ico with the web front end’s icon (browsers ask every origin for it)', async () => {
    const res = await fetch(`${idp.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    const web = await readFile(path.join(ROOT, 'web', 'public', 'favicon.svg'), 'utf8');
    expect(await res.text()).toBe(web.trim());
  });
});

describe('identity over HTTP: sign-in with authorization code + PKCE', () => {
  it('shows a login page, and after the right password issues a short-lived JWT access token with roles', async () => {
    const t = await loginWithPassword({
      ...cli,
      issuer: idp.issuer,
      login: 'alice',
      password: password('alice'),
    });
    expect(t.token_type).toBe('Bearer');
    expect(t.expires_in).toBe(120);
    const { payload, protectedHeader } = await verifyAccessToken(t.access_token);
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({
      iss: idp.issuer,
      sub: 'alice',
      aud: API_RESOURCE,
      client_id: CLI_CLIENT_ID,
      roles: ['customer'],
    });
    expect(payload.exp! - payload.iat!).toBe(120);
    // The ID token is for the client, not for the API: another audience.
    expect(decodeJwt(t.id_token!)).toMatchObject({
      sub: 'alice',
      aud: CLI_CLIENT_ID,
      roles: ['customer'],
    });
    await expect(verifyAccessToken(t.id_token!)).rejects.toThrow();
  });

  it('gives the operator the operator role, and a customer not', async () => {
    const olive = await idp.token('olive');
    const bob = await idp.token('bob');
    expect((await verifyAccessToken(olive)).payload).toMatchObject({
      sub: 'olive',
      roles: ['operator'],
    });
    expect((await verifyAccessToken(bob)).payload).toMatchObject({
      sub: 'bob',
      roles: ['customer'],
    });
  });

  it('refuses a wrong password and an unknown user with the login page again (401), and no code', async () => {
    for (const [login, pw] of [
      ['alice', 'wrong'],
      ['mallory', 'alice-demo-password'],
      ['alice', password('bob')],
    ] as const) {
      const err = await loginWithPassword({ ...cli, issuer: idp.issuer, login, password: pw }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, login).toBeInstanceOf(LoginFlowError);
      expect((err as Error).message).toBe(`login: refused for ${login}`);
    }
  });

  it('renders the login page escaped: what the user typed comes back as text, not markup', async () => {
    const auth = new URL(`${idp.issuer}/auth`);
    const verifier = randomBytes(32).toString('base64url');
    auth.search = new URLSearchParams({
      client_id: CLI_CLIENT_ID,
      response_type: 'code',
      redirect_uri: CLI_REDIRECT_URI,
      scope: 'openid',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const start = await fetch(auth, { redirect: 'manual' });
    const cookies = start.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const interaction = new URL(start.headers.get('location')!, idp.issuer).href;
    const page = await fetch(interaction, { headers: { cookie: cookies } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/<label for="password">Password<\/label>/);
    const res = await fetch(`${interaction}/login`, {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: '"><script>alert(1)</script>', password: 'x' }),
    });
    expect(res.status).toBe(401);
    const body = await res.text();
    expect(body).not.toContain('<script>alert(1)</script>');
    expect(body).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    // Login CSRF: the same form posted without the browser's interaction cookie is refused.
    const forged = await fetch(`${interaction}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'alice', password: password('alice') }),
      redirect: 'manual',
    });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
  });

  it('requires PKCE: no code_challenge is refused, and a code needs its own verifier', async () => {
    const auth = new URL(`${idp.issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: WEB_CLIENT_ID,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:3000/auth/callback',
      scope: 'openid',
    }).toString();
    const res = await fetch(auth, { redirect: 'manual' });
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe('http://127.0.0.1:3000/auth/callback');
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/PKCE/);

    const code = await authorizeWithPassword({
      ...cli,
      issuer: idp.issuer,
      login: 'bob',
      password: password('bob'),
    });
    await expect(
      exchangeCode({ ...code, verifier: randomBytes(32).toString('base64url') }, cli),
    ).rejects.toThrow(/invalid_grant/);
    // With its own verifier the code works, once: a replayed code is refused.
    expect((await exchangeCode(code, cli)).access_token).toBeTruthy();
    await expect(exchangeCode(code, cli)).rejects.toThrow(/invalid_grant/);
  });

  it('lets the web client sign in on the BFF origin only (registered redirect URIs)', async () => {
    const web = {
      clientId: WEB_CLIENT_ID,
      issuer: idp.issuer,
      login: 'alice',
      password: password('alice'),
    };
    for (const redirectUri of [
      'http://127.0.0.1:3000/auth/callback',
      'http://localhost:3000/auth/callback',
    ]) {
      const t = await loginWithPassword({ ...web, redirectUri });
      expect((await verifyAccessToken(t.access_token)).payload.client_id).toBe(WEB_CLIENT_ID);
    }
    await expect(
      loginWithPassword({ ...web, redirectUri: 'http://evil.example/auth/callback' }),
    ).rejects.toThrow(LoginFlowError);
  });
});

describe('identity over HTTP: client_credentials for scripts', () => {
  it('gives the ops client an operator token for the API', async () => {
    const { payload } = await verifyAccessToken(await idp.opsToken());
    expect(payload).toMatchObject({
      sub: OPS_CLIENT_ID,
      client_id: OPS_CLIENT_ID,
      roles: ['operator'],
    });
  });

  it('refuses a wrong secret, a public client, and another resource', async () => {
    const secret = (await readFile(path.join(idp.dataDir, 'ops-client-secret'), 'utf8')).trim();
    await expect(
      clientCredentials({ issuer: idp.issuer, clientId: OPS_CLIENT_ID, clientSecret: 'nope' }),
    ).rejects.toThrow(/invalid_client/);
    await expect(
      clientCredentials({ issuer: idp.issuer, clientId: CLI_CLIENT_ID, clientSecret: 'x' }),
    ).rejects.toThrow(/invalid_client/);
    const res = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${OPS_CLIENT_ID}:${secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        resource: 'https://elsewhere.example/',
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_target');
  });
});

describe('identity keys across restarts', () => {
  it('keeps its signing keys in the data dir: a token from before a restart still verifies', async () => {
    const first = await startTestIdentity();
    const token = await first.token('alice');
    const issuerPort = new URL(first.url).port;
    await first.stop(true);
    const second = await startTestIdentity({ PORT: issuerPort }, first.dataDir);
    try {
      expect(second.issuer).toBe(first.issuer);
      expect((await verifyAccessToken(token, second.issuer)).payload.sub).toBe('alice');
    } finally {
      await second.stop();
      await first.stop().catch(() => undefined);
    }
  });
});
