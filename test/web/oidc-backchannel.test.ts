/**
 * Sign-in when the BFF reaches the identity service at another address than browsers do (as
 * in compose: the issuer and the login page at http://localhost:3001, the BFF inside the
 * cluster at http://identity:3001). Here the issuer's host name, `idp.flight-mesh.test`, exists
 * only for the browser (Chromium's host resolver maps it to the loopback): the BFF cannot
 * resolve it, so a sign-in that works proves discovery, the token exchange and the JWKS went
 * through IDENTITY_INTERNAL_URL, while `iss` was checked against the public issuer.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../identity/users.js';
import { ensureWebBuilt } from '../../scripts/web-build.js';
import { startBff, type BffFixture } from '../support/bff.js';
import { startTestIdentity, type IdentityFixture } from '../support/identity.js';
import { freePort } from '../support/processes.js';
import { launchChromium, openPage } from './browser.js';

const PUBLIC_HOST = 'idp.flight-mesh.test';

let idp: IdentityFixture;
let bff: BffFixture;
let browser: Browser;
let issuer: string;

beforeAll(async () => {
  await ensureWebBuilt();
  const [idpPort, bffPort] = [await freePort(), await freePort()];
  issuer = `http://${PUBLIC_HOST}:${idpPort}`;
  idp = await startTestIdentity({
    PORT: String(idpPort),
    ISSUER: issuer,
    WEB_REDIRECT_URIS: `http://127.0.0.1:${bffPort}/auth/callback`,
  });
  bff = await startBff(
    {},
    {
      PORT: String(bffPort),
      JWT_SECRET: '',
      JWT_ISSUER: issuer,
      IDENTITY_INTERNAL_URL: `http://127.0.0.1:${idpPort}`,
    },
  );
  browser = await launchChromium([`--host-resolver-rules=MAP ${PUBLIC_HOST} 127.0.0.1`]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await bff?.stop();
  await idp?.stop();
});

describe('sign-in with a back-channel address for the identity service', () => {
  it('cannot reach the issuer by its public name from the BFF’s side (the premise)', async () => {
    await expect(fetch(`${issuer}/.well-known/openid-configuration`)).rejects.toThrow();
  });

  it('signs a browser in: login page at the public issuer, tokens and keys fetched internally', async () => {
    const { page, close } = await openPage(browser);
    try {
      await page.goto(`${bff.url}/`);
      await page.getByRole('link', { name: 'Sign in' }).click();
      // The browser is sent to the public issuer, not to the internal address.
      await page.waitForURL((url) => url.origin === issuer);
      await page.getByLabel('User name').fill('alice');
      await page.getByLabel('Password').fill(DEMO_USERS.find((u) => u.id === 'alice')!.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Signed in as alice').waitFor();
      // A session exists only once the BFF verified the access token: its signature by a key
      // fetched from the internal address, its `iss` equal to the public issuer.
      const session = await page.evaluate(async () => (await fetch('/auth/session')).json());
      expect(session).toMatchObject({ signedIn: true, subject: 'alice', roles: ['customer'] });
    } finally {
      await close();
    }
  });
});
