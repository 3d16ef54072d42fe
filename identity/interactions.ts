import type { IncomingMessage } from 'node:http';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../platform/logger.js';
import type { UserDirectory } from './users.js';
import { logins } from './metrics.js';
import { loginPage } from './views.js';

type Next = () => Promise<unknown>;
const LOGIN_FORM_LIMIT = 8 * 1024;

/**
 * Reads an application/x-www-form-urlencoded body (the login form). Hand-written because the
 * provider is a bare Koa app with no body parser, and a login form is two short fields.
 */
async function formBody(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? ''))
    return undefined;
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LOGIN_FORM_LIMIT) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The provider's user interactions, as Koa middleware in front of its own routes:
 *   GET  /interaction/:uid         login form (or, for consent, grant at once: see below)
 *   POST /interaction/:uid/login   check the password, finish the login
 *   GET  /interaction/:uid/abort   the user cancelled: access_denied back to the client
 * The interaction's uid is bound to the provider's interaction cookie, so a form posted from
 * another browser (login CSRF) finds no interaction.
 */
export function interactionRoutes(provider: Provider, users: UserDirectory, log: Logger) {
  return async (ctx: KoaContextWithOIDC, next: Next) => {
    const m = /^\/interaction\/([\w-]+)(\/login|\/abort)?$/.exec(ctx.path);
    if (!m) return next();
    const [, , action] = m;
    ctx.set('cache-control', 'no-store');
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const client = await provider.Client.find(String(details.params.client_id));
    const clientName = client?.clientName ?? String(details.params.client_id);

    if (ctx.method === 'GET' && !action) {
      if (details.prompt.name === 'consent') {
        // Every client of this provider is the mesh's own (first-party): consent is implied,
        // so whatever the client asked for is granted without a second page.
        const grant = details.grantId
          ? (await provider.Grant.find(details.grantId))!
          : new provider.Grant({
              accountId: details.session!.accountId,
              clientId: String(details.params.client_id),
            });
        const missing = details.prompt.details as {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
          missingResourceScopes?: Record<string, string[]>;
        };
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        for (const [resource, scope] of Object.entries(missing.missingResourceScopes ?? {}))
          grant.addResourceScope(resource, scope.join(' '));
        const grantId = await grant.save();
        return provider.interactionFinished(
          ctx.req,
          ctx.res,
          { consent: details.grantId ? {} : { grantId } },
          { mergeWithLastSubmission: true },
        );
      }
      ctx.type = 'html';
      ctx.body = loginPage({ uid: details.uid, clientName });
      return undefined;
    }

    if (ctx.method === 'POST' && action === '/login' && details.prompt.name === 'login') {
      const form = await formBody(ctx.req);
      const login = form?.get('login')?.trim() ?? '';
      const password = form?.get('password') ?? '';
      const user = login && password ? await users.verify(login, password) : undefined;
      if (!user) {
        logins.add(1, { outcome: 'failed' });
        log.info({ login: login.slice(0, 64) }, 'login refused');
        ctx.status = 401;
        ctx.type = 'html';
        ctx.body = loginPage({
          uid: details.uid,
          clientName,
          login,
          error: 'Wrong user name or password.',
        });
        return undefined;
      }
      logins.add(1, { outcome: 'ok' });
      log.info({ sub: user.id }, 'login');
      return provider.interactionFinished(
        ctx.req,
        ctx.res,
        { login: { accountId: user.id, amr: ['pwd'] } },
        { mergeWithLastSubmission: false },
      );
    }

    if (ctx.method === 'GET' && action === '/abort')
      return provider.interactionFinished(
        ctx.req,
        ctx.res,
        { error: 'access_denied', error_description: 'the user cancelled the sign-in' },
        { mergeWithLastSubmission: false },
      );

    ctx.status = 405;
    ctx.body = 'method not allowed';
    return undefined;
  };
}
