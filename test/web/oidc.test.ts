/**
 * Signing in through the identity service in a real browser: the BFF runs the OpenID Connect
 * code flow with PKCE against the real provider, keeps the tokens, renews them, and the page
 * only ever holds the session cookie.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../identity/users.js';
import { ensureWebBuilt } from '../../scripts/web-build.js';
import type { BffFixture } from '../support/bff.js';
import { testDate } from '../support/dates.js';
import { startTestIdentity, type IdentityFixture } from '../support/identity.js';
import { freePort } from '../support/processes.js';
import { eventually, launchChromium, openPage, type WatchedPage } from './browser.js';
import { startWebMesh, type WebMesh } from './mesh.js';

let idp: IdentityFixture;
let mesh: WebMesh;
let bff: BffFixture;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  await ensureWebBuilt();
  const port = await freePort();
  // Access tokens of 30 s: every request finds its token near expiry and renews it.
  idp = await startTestIdentity({
    WEB_REDIRECT_URIS: `http://127.0.0.1:${port}/auth/callback`,
    ACCESS_TOKEN_TTL_SECONDS: '30',
  });
  mesh = await startWebMesh({
    bffEnv: { PORT: String(port), JWT_SECRET: '', JWT_ISSUER: idp.issuer },
  });
  bff = mesh.bff;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  for (const p of pages) await p.close();
  await browser?.close();
  await mesh?.stop();
  await idp?.stop();
});

const password = (user: string) => DEMO_USERS.find((u) => u.id === user)!.password;

async function signInThroughProvider(
  user: string,
  from = '/bookings',
  before?: (page: WatchedPage['page']) => Promise<void>,
) {
  const w = await openPage(browser);
  pages.push(w);
  const { page } = w;
  await page.goto(bff.url + from);
  await before?.(page);
  // No development sign-in with a real issuer: the provider's login instead.
  expect(await page.getByRole('button', { name: 'Sign in (dev only)' }).count()).toBe(0);
  const signIn = page.getByRole('link', { name: 'Sign in' });
  // Readable: the header's white link colour once made it white on its white background.
  // Runs in the page; the test's TypeScript knows no DOM, so the page's function is typed here.
  type Styled = { getComputedStyle(e: unknown): { color: string; backgroundColor: string } };
  const colours = await signIn.evaluate((a) => {
    const style = (globalThis as unknown as Styled).getComputedStyle(a);
    return { text: style.color, background: style.backgroundColor };
  });
  expect(colours.text).not.toBe(colours.background);
  await signIn.click();
  await page.waitForURL((url) => url.origin === new URL(idp.issuer).origin);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password(user));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${user}`).waitFor();
  return w;
}

describe('sign-in through the identity service (OpenID Connect, code + PKCE)', () => {
  it('signs a customer in and back to the page they came from; the browser holds no token', async () => {
    const { page, context, errors } = await signInThroughProvider('alice');
    expect(new URL(page.url()).pathname).toBe('/bookings');
    await page.getByText('No bookings yet.').waitFor();
    const cookies = await context.cookies(bff.url);
    const session = cookies.find((c) => c.name === 'fm_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    for (const c of cookies) expect(c.value).not.toMatch(/^eyJ/);
    expect(await page.evaluate('document.cookie')).not.toContain('fm_session');
    expect(errors).toEqual([]);
  });

  it('comes back to the search the traveller had: the form filled in, the results shown', async () => {
    const date = testDate(3);
    const results = (page: WatchedPage['page']) =>
      page.getByRole('list', { name: 'Itineraries' }).getByRole('listitem');
    const { page, errors } = await signInThroughProvider('alice', '/', async (p) => {
      await p.getByRole('combobox', { name: 'From', exact: true }).fill('JFK');
      await p.getByRole('option', { name: /^JFK / }).click();
      await p.getByRole('combobox', { name: 'To', exact: true }).fill('LHR');
      await p.getByRole('option', { name: /^LHR / }).click();
      await p.getByLabel('Departure date').fill(date);
      await p.getByRole('button', { name: 'Search flights' }).click();
      await p.getByText(/itineraries found/).waitFor();
      expect(await results(p).count()).toBeGreaterThan(0);
    });
    await page.getByText(/itineraries found/).waitFor();
    expect(await results(page).count()).toBeGreaterThan(0);
    expect(await page.getByRole('combobox', { name: 'From', exact: true }).inputValue()).toContain(
      '(JFK)',
    );
    expect(await page.getByLabel('Departure date').inputValue()).toBe(date);
    expect(errors).toEqual([]);
  });

  it('comes back to the search after a cancelled sign-in too, and says it did not complete', async () => {
    const w = await openPage(browser);
    pages.push(w);
    const { page } = w;
    await page.goto(`${bff.url}/?origin=JFK&destination=LHR&date=${testDate(3)}`);
    await page.getByText(/itineraries found/).waitFor();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === new URL(idp.issuer).origin);
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByRole('alert').getByText('Signing in did not complete').waitFor();
    const back = new URL(page.url());
    expect(back.searchParams.get('origin')).toBe('JFK');
    await page.getByText(/itineraries found/).waitFor();
    expect(
      await page.getByRole('list', { name: 'Itineraries' }).getByRole('listitem').count(),
    ).toBeGreaterThan(0);
    expect(w.errors).toEqual([]);
  });

  it('gives an operator the operations page', async () => {
    const { page, errors } = await signInThroughProvider('olive', '/');
    await page.getByRole('navigation').getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('button', { name: 'List flights' }).waitFor();
    expect(errors).toEqual([]);
  });

  it('renews the access token with the refresh token while the session lasts', async () => {
    const { page, errors } = await signInThroughProvider('bob');
    const expiry = async () =>
      ((await (await page.request.get(`${bff.url}/auth/session`)).json()) as { expiresAt: string })
        .expiresAt;
    const first = await expiry();
    // Each request finds the 30-second token near its end and renews it: a later expiry.
    await eventually(async () =>
      expect(Date.parse(await expiry())).toBeGreaterThan(Date.parse(first)),
    );
    await page.reload();
    await page.getByText('No bookings yet.').waitFor();
    expect(errors).toEqual([]);
  });

  it('signs out: the session is gone', async () => {
    const { page, errors } = await signInThroughProvider('alice', '/');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    const res = await page.request.get(`${bff.url}/api/v1/bookings`);
    expect(res.status()).toBe(401);
    expect(errors).toEqual([]);
  });
});
