import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../platform/logger.js';
import { listenOrExplain } from '../platform/listen.js';
import type { IdentityConfig } from './config.js';
import { interactionRoutes } from './interactions.js';
import { loadOrCreateSecrets } from './keys.js';
import { createProvider, providerConfiguration } from './provider.js';
import { UserDirectory } from './users.js';
import { FAVICON_SVG, html } from './views.js';

export interface RunningIdentity {
  /** The issuer: `iss` of its tokens, base of /.well-known/openid-configuration. */
  issuer: string;
  /** Where it listens, e.g. http://127.0.0.1:3001. */
  url: string;
  provider: Provider;
  server: Server;
  close(): Promise<void>;
}

/** A page for the errors a person in a browser can cause (a stale or foreign interaction). */
async function interactionErrors(ctx: KoaContextWithOIDC, next: () => Promise<unknown>) {
  try {
    await next();
  } catch (err) {
    const e = err as { status?: number; error?: string; error_description?: string };
    if (!e.status || e.status >= 500) throw err;
    ctx.status = e.status;
    ctx.type = 'html';
    ctx.body = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Sign-in problem</title>
<h1>This sign-in cannot go on</h1><p>${html(e.error_description ?? e.error ?? 'bad request')}</p>
<p>Go back to the application and start again.</p></html>`;
  }
}

/**
 * Starts the OpenID Connect provider: keys from DATA_DIR, the demo users, login pages, and
 * GET /healthz. Listens first, so PORT=0 works: the issuer is then the address it got.
 */
export async function startIdentity(config: IdentityConfig, log: Logger): Promise<RunningIdentity> {
  const [secrets, users] = await Promise.all([
    loadOrCreateSecrets(config.DATA_DIR, config.OPS_CLIENT_SECRET),
    UserDirectory.create(),
  ]);
  const server = createServer();
  await listenOrExplain(
    { host: config.HOST, port: config.PORT, variables: 'HOST, PORT' },
    () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.PORT, config.HOST, resolve);
      }),
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
  const issuer = config.ISSUER ?? url;
  const provider = createProvider(
    issuer,
    providerConfiguration(config, secrets, users),
    (ctx, err) => log.error({ err, path: ctx.path }, 'identity: server error'),
  );
  provider.use(async (ctx, next) => {
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path === '/favicon.ico' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.type = 'image/svg+xml';
      ctx.set('cache-control', 'public, max-age=86400');
      ctx.body = FAVICON_SVG;
      return;
    }
    await next();
  });
  provider.use(interactionErrors);
  provider.use(interactionRoutes(provider, users, log));
  server.on('request', provider.callback());
  return {
    issuer,
    url,
    provider,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
