import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_PAGES, WEB_ROOT } from '../../bff/web.js';
import { ensureWebBuilt } from '../../scripts/web-build.js';
import { startBff, type BffFixture } from '../support/bff.js';

let bff: BffFixture;

beforeAll(async () => {
  await ensureWebBuilt();
  // Static serving needs no service behind the BFF.
  bff = await startBff({});
});
afterAll(async () => bff?.stop());

describe('the BFF serves the web front end', () => {
  it('answers every page of the app with index.html, never cached, under a strict CSP', async () => {
    for (const page of WEB_PAGES) {
      const res = await fetch(bff.url + page);
      expect(res.status, page).toBe(200);
      expect(res.headers.get('content-type'), page).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control'), page).toBe('no-cache');
      expect(res.headers.get('content-security-policy'), page).toContain("default-src 'self'");
      expect(await res.text(), page).toContain('<div id="root"></div>');
    }
  });

  it('serves the hashed assets for a year, immutable', async () => {
    const html = await (await fetch(bff.url + '/')).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const res = await fetch(bff.url + asset);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('cache-control'), asset).toBe('public, max-age=31536000, immutable');
    }
    // Every file of the build is content-hashed, so caching it forever is safe.
    for (const file of readdirSync(path.join(WEB_ROOT, 'assets')))
      expect(file).toMatch(/-[A-Za-z0-9_-]{8}\.(js|css|js\.map|css\.map|json)$/);
  });

  it('serves the icon the page links, at /favicon.ico too', async () => {
    const html = await (await fetch(bff.url + '/')).text();
    expect(html).toContain('<link rel="icon" href="/favicon.svg"');
    for (const icon of ['/favicon.svg', '/favicon.ico']) {
      const res = await fetch(bff.url + icon);
      expect(res.status, icon).toBe(200);
      expect(res.headers.get('content-type'), icon).toMatch(/^image\/svg\+xml/);
      expect(res.headers.get('cache-control'), icon).toBe('public, max-age=86400');
      expect(await res.text(), icon).toMatch(/^<svg /);
    }
  });

  it('keeps problem+json 404s for what is not there', async () => {
    for (const p of ['/assets/nope-12345678.js', '/no-such-page', '/api/v1/nothing']) {
      const res = await fetch(bff.url + p);
      expect(res.status, p).toBe(404);
      expect(res.headers.get('content-type'), p).toMatch(/^application\/problem\+json/);
    }
  });
});
