/**
 * Checks of a request's head (its request line and headers), made in onRequest hooks before any
 * route reads a body: what HTTP/1.1 requires of a request and what this API reads of it. Each
 * failure is a 4xx problem naming the header; a request target in absolute-form is read as its
 * path.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { announcesBody, HeadProblem } from './http-input.js';
import type { InputError } from './problem.js';
import { malformedQueryErrors } from './query.js';
import { HttpProblem, invalidRequest } from './problem.js';
import { CSRF_HEADER } from './session.js';

/**
 * An absolute-form request target (`GET http://host:port/path?query HTTP/1.1`), which an HTTP/1.1
 * server must accept (RFC 9112 §3.2.2), as the Host it names and its origin-form (`/path?query`),
 * what routes, problems and logs speak of; undefined for any other target. Only `http` and
 * `https` with a host (RFC 9110 §4.2.1: an http URI with an empty host is invalid); userinfo is
 * dropped. fastify's router matched such a target, but this API's own reading of the path did
 * not (a PUT to a path that takes only POST was 404, not 405).
 */
export function absoluteForm(target: string): { host: string; path: string } | undefined {
  const match = /^https?:\/\/([^/?#]*)/i.exec(target);
  if (!match) return undefined;
  // The host follows the last `@`, as a browser's URL parser reads `http://a@b@c/` (host c: the
  // first version read b). Whether what is left is a host at all is rejectBadHost's to say.
  const host = match[1]!.slice(match[1]!.lastIndexOf('@') + 1);
  // `http://:5000/` names a port but no host.
  if (!host || host.startsWith(':')) return undefined;
  const rest = target.slice(match[0].length);
  return { host, path: rest.startsWith('/') ? rest : `/${rest}` };
}

/**
 * fastify's `rewriteUrl` (app.ts): an absolute-form target becomes its origin-form, and its host
 * replaces the Host header, as RFC 9112 §3.2.2 asks (redirects are built from Host). Any other
 * target is left to the router as it came.
 */
export function rewriteAbsoluteForm(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const absolute = absoluteForm(url);
  if (!absolute) return url;
  // Without a Host header the request is still refused (RFC 9112 §3.2: an HTTP/1.1 request
  // must carry one, whatever its target): rejectBadHost answers it.
  if (req.headers.host !== undefined) req.headers.host = absolute.host;
  return absolute.path;
}

/** What a request target that is neither a path nor an http(s) URL is told. */
export const NOT_A_TARGET = 'must be a path (/…) or an http or https URL';

/**
 * onRequest hook: `*` as the target of anything but OPTIONS is 400 (RFC 9112 §3.2.4: the
 * asterisk-form is OPTIONS's alone). The router matched it to the web front end's catch-all,
 * which served a page for `GET *`.
 */
export async function rejectAsteriskForm(req: FastifyRequest): Promise<void> {
  if (req.url === '*' && req.method !== 'OPTIONS') throw notATarget();
}

/**
 * The 400 for a request target that is neither a path nor an http(s) URL, wherever it is found:
 * here (`*`), by fastify's router (`ftp://…`) or by Node's parser (`h:80`, `mailto:x`).
 */
export const notATarget = () =>
  invalidRequest([{ field: '(path)', detail: NOT_A_TARGET }], `the target ${NOT_A_TARGET}`);

/**
 * The one expectation this server meets (RFC 9110 §10.1.1). Node's own test finds 100-continue
 * anywhere in the value, so `100-continue, foo` (or two Expect headers, which Node joins) was
 * served as if `foo` were met.
 */
const CONTINUE = /^\s*100-continue\s*$/i;

/** Whether a request's Expect is 100-continue alone, the one expectation this server meets. */
export const expectsContinue = (headers: IncomingMessage['headers']): boolean =>
  headers.expect !== undefined && CONTINUE.test(headers.expect);

/**
 * onRequest hook: an `Expect` this server cannot meet (anything but 100-continue alone) is 417
 * naming the header (RFC 9110 §10.1.1). Node answered it itself with an empty 417, the one
 * answer of this API that was not problem+json; app.ts now hands such requests to fastify (the
 * server's `checkExpectation` and `checkContinue` events).
 */
export async function rejectUnmetExpectation(req: FastifyRequest): Promise<void> {
  const expectation = req.headers.expect;
  if (expectation === undefined || CONTINUE.test(expectation) || !isHttp11(req)) return;
  throw new HttpProblem(
    417,
    'expectation-failed',
    'Expectation failed',
    // The value is not echoed: Node reads header bytes as Latin-1, and it may be kilobytes long.
    'this server meets no expectation but 100-continue',
    [{ field: 'expect', detail: 'must be 100-continue, or no Expect header at all' }],
  );
}

/**
 * onRequest hook: an HTTP version other than 1.x is 505 (RFC 9110 §15.6.6). Node's parser takes
 * `HTTP/2.0` or `HTTP/0.9` in a request line and answered them as 1.1.
 */
export async function rejectUnknownVersion(req: FastifyRequest): Promise<void> {
  if (req.raw.httpVersionMajor !== 1)
    throw new HttpProblem(
      505,
      'http-version-not-supported',
      'HTTP version not supported',
      `this server speaks HTTP/1.1 (and 1.0), not HTTP/${req.raw.httpVersion}`,
      [{ field: '(version)', detail: 'must be HTTP/1.1 or HTTP/1.0' }],
    );
}

/**
 * A Host as RFC 9110 §7.2 allows it: `uri-host [ ":" port ]` (RFC 3986 §3.2.2–3.2.3), where the
 * host is a name or IPv4 address (unreserved characters, percent-escapes, sub-delims) or an IP
 * literal in brackets, and the port is digits (leading zeros allowed) up to 65535. No userinfo.
 */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::(\d*))?$/;

/**
 * onRequest hook: an HTTP/1.1 request without a Host header is 400 naming it (RFC 9112 §3.2).
 * Node's own check (`requireHostHeader`, turned off in app.ts) answered it with an empty 400,
 * the one answer of this API that was not problem+json. A Host that is no host and port (`h:abc`,
 * `a@b`, `h h`), sent as such or named by an absolute-form target, is 400 too (RFC 9112 §3.2:
 * "an invalid field value"): sign-in builds its redirect_uri from it.
 */
export async function rejectBadHost(req: FastifyRequest): Promise<void> {
  const host = req.headers.host;
  if (host === undefined) {
    if (!isHttp11(req)) return;
    throw invalidRequest(
      [{ field: 'host', detail: 'is required' }],
      'an HTTP/1.1 request must have a Host header',
    );
  }
  if (!isHost(host))
    throw invalidRequest(
      [{ field: 'host', detail: 'is not a host and optional port' }],
      'the Host header (or the host of an absolute-form target) must be a host name or address and an optional port',
    );
  // From a trusted proxy (TRUST_PROXY), X-Forwarded-Host and X-Forwarded-Proto take the place
  // of Host and the connection's scheme in everything the BFF builds from them (sign-in's
  // redirect URI was `javascript://…` or `http://a@b/x?y/…`).
  if (req.host !== host && !isHost(req.host))
    throw invalidRequest(
      [{ field: 'x-forwarded-host', detail: 'is not a host and optional port' }],
      'X-Forwarded-Host must be a host name or address and an optional port',
    );
  // Schemes are case-insensitive (RFC 3986 §3.1): HTTPS is https.
  if (!/^https?$/i.test(req.protocol))
    throw invalidRequest(
      [{ field: 'x-forwarded-proto', detail: 'must be http or https' }],
      'X-Forwarded-Proto must be http or https',
    );
}

/** Whether `host` is a host and optional port as HOST reads it, the port at most 65535. */
function isHost(host: string): boolean {
  const valid = HOST.exec(host);
  return valid !== null && Number(valid[1] ?? 0) <= 65535;
}

/**
 * The request headers this API reads as one value each. Node joins a repeated header it does
 * not know with ", ", so `Idempotency-Key: a` twice arrived as "a, a" and was refused for its
 * characters, and X-Request-Timeout twice as "is not a duration", neither saying what was wrong.
 */
const SINGLE_VALUE_HEADERS = new Set([
  'idempotency-key',
  'x-request-timeout',
  CSRF_HEADER,
  // Node keeps the first of these and drops the rest: a second bearer token or media type was
  // read as if it had not been sent; two Hosts must be refused (RFC 9112 §3.2).
  'authorization',
  'content-type',
  'host',
]);

/** The SINGLE_VALUE_HEADERS sent more than once, each named once: "must be given once". */
function repeatedHeaderErrors(req: FastifyRequest): InputError[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  const raw = req.raw.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!SINGLE_VALUE_HEADERS.has(name)) continue;
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  return [...repeated].map((field) => ({ field, detail: 'must be given once', where: 'header ' }));
}

/**
 * onRequest hook: a head that cannot be read as sent — one of SINGLE_VALUE_HEADERS more than
 * once, a query escape that does not decode (query.ts `malformedQueryErrors`) — is 400
 * naming every such input, with what the path, query and header schemas find (the error handler
 * adds those: HeadProblem).
 */
export async function rejectMalformedHead(req: FastifyRequest): Promise<void> {
  const headers = repeatedHeaderErrors(req);
  const querystring = malformedQueryErrors(req);
  if (headers.length || querystring.length) throw new HeadProblem({ headers, querystring });
}

/**
 * preParsing hook: the interim `100 Continue` a client that sent `Expect: 100-continue` waits
 * for, sent when its body is about to be read, so a request refused on its head alone (no
 * token, no route, a bad header) is refused without first being invited to upload its body
 * (Node sent 100 as soon as the head arrived). Not for a body announced over `bodyLimit`
 * (bytes): the 413 comes instead; nor to an HTTP/1.0 client.
 */
export async function continueWhenReadingBody(req: FastifyRequest, reply: FastifyReply) {
  if (!req.headers.expect || !announcesBody(req.headers) || !isHttp11(req)) return;
  const limit = req.routeOptions.bodyLimit ?? Infinity;
  if (Number(req.headers['content-length'] ?? 0) > limit) return;
  // Not for a body this API does not read (JSON only): the 415 comes instead.
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return;
  reply.raw.writeContinue();
}

/**
 * An expectation is HTTP/1.1's: one in an HTTP/1.0 request is ignored (RFC 9110 §10.1.1), and
 * a 100 Continue sent to an HTTP/1.0 client would read as the final answer.
 */
const isHttp11 = (req: FastifyRequest) =>
  req.raw.httpVersionMajor === 1 && req.raw.httpVersionMinor === 1;
