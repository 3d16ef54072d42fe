/**
 * The web front end (web/, built by `npm run build:web` into dist/web), served from the BFF's
 * own origin so the browser needs no CORS and its session cookie stays first-party.
 *
 * - `/assets/*`: Vite's content-hashed files, cached for a year and marked immutable (a new build
 *   has new names, so a cached file is never stale).
 * - the app's pages (`/`, `/bookings`, `/operator`, …): `index.html`, never cached, so a deploy is
 *   picked up on the next load. Unknown paths keep the API's 404 problem+json.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from './error-handler.js';
import { HttpProblem } from './problem.js';

/** Where `npm run build:web` writes (web/vite.config.ts). */
export const WEB_ROOT = fileURLToPath(new URL('../dist/web', import.meta.url));

/** The client-side routes of web/src/routes.ts: each is the app's index.html. */
export const WEB_PAGES = ['/', '/book', '/bookings', '/operator'] as const;

/**
 * What a browser may load and talk to: only this origin (the map's land shapes are bundled, no
 * tiles from elsewhere). Inline styles set through React's `style` use the CSSOM, which CSP
 * allows without 'unsafe-inline'.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/**
 * The site's icon (web/public/favicon.svg, copied to the build's root): at the path index.html
 * links, and at /favicon.ico, which browsers and tools ask for without looking at any page.
 * Not content-hashed, so cached for a day rather than for ever.
 */
export const FAVICON_PATHS = ['/favicon.svg', '/favicon.ico'] as const;

export async function registerWeb(app: FastifyInstance, root = WEB_ROOT): Promise<void> {
  await app.register(fastifyStatic, {
    root: path.join(root, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    // A missing asset answers through the API's 404 handler (problem+json), not a stack trace.
    wildcard: true,
    index: false,
    schemaHide: true,
  });

  for (const icon of FAVICON_PATHS)
    app.get(icon, { schema: { hide: true } }, (_req, reply) => {
      if (!existsSync(path.join(root, 'favicon.svg')))
        return sendProblem(
          reply,
          new HttpProblem(
            404,
            'not-found',
            'Not found',
            'no icon: the web front end is not built',
          ).toResponse(),
        );
      return reply
        .type('image/svg+xml')
        .header('cache-control', 'public, max-age=86400')
        .header('x-content-type-options', 'nosniff')
        .sendFile('favicon.svg', root, { cacheControl: false });
    });

  for (const page of WEB_PAGES) {
    app.get(page, { schema: { hide: true } }, (_req, reply) => {
      if (!existsSync(path.join(root, 'index.html')))
        return sendProblem(
          reply,
          new HttpProblem(
            404,
            'not-found',
            'Web front end not built',
            'run `npm run build:web` (npm start does it when the build is missing or stale)',
          ).toResponse(),
        );
      return reply
        .header('cache-control', 'no-cache')
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'same-origin')
        .sendFile('index.html', root, { cacheControl: false });
    });
  }
}
