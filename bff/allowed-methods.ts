/**
 * Which methods a path has routes for, to answer a request with another method 405 and an
 * `Allow` header (RFC 9110 §15.5.6) instead of 404. fastify answers both "no such path" and "not
 * with this method" through the one not-found handler and has no lookup by concrete URL, so
 * every route is also added to a router of its own (find-my-way, fastify's router).
 */
import type { FastifyInstance } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Records every route as it is added (call before adding them): the API's, the pages', sign-in's,
 * the probes' (`POST /healthz` was 404, as if there were no such path). Catch-alls (`/assets/*`)
 * are left out: they would offer GET for any path below them, found or not.
 */
export function trackAllowedMethods(app: FastifyInstance) {
  // Configured as fastify's own router is (a trailing slash is another path).
  const router = FindMyWay();
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    for (const method of [route.method].flat())
      if (
        METHODS.includes(method as HTTPMethod) &&
        !router.hasRoute(method as HTTPMethod, route.url)
      )
        router.on(method as HTTPMethod, route.url, () => undefined);
  });
  /**
   * The methods `path` has routes for; none for a path no route has. A path with an empty
   * segment (`/api/v1/quotes/`) has none: the router would read the empty segment as an id and
   * offer GET for a collection's POST. Nor has a target that is no path (`OPTIONS *`).
   */
  return (path: string): HTTPMethod[] =>
    !path.startsWith('/') || (path !== '/' && /\/(\/|$)/.test(path))
      ? []
      : METHODS.filter((m) => router.find(m, path) !== null);
}
