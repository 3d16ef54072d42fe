/**
 * What the BFF accepts at the HTTP level, before any route's schema sees the request: JSON
 * request bodies only (UTF-8, at most BODY_LIMIT_BYTES; an empty body is no body), and URLs whose
 * percent-escapes decode. Anything else is a 4xx problem naming what was wrong, never a 5xx.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { visit, type JSONPath } from 'jsonc-parser';
import { requestTimeoutErrors } from './deadlines.js';
import { undecodableQueryNames } from './query.js';
import { HttpProblem, invalidRequest, type InputError } from './problem.js';

export type { InputError };

/** The largest request body read (bytes): a booking of 27 passengers is well under 16 KiB. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The longest path parameter the router matches (characters, escapes counted as written).
 * Longer than any valid id, so an over-long one reaches the route schema and is named there;
 * Node's header limit (16 KiB for the request line and headers) bounds the URL anyway.
 */
export const MAX_PARAM_LENGTH = 2048;

const unsupportedMediaType = (detail: string) =>
  new HttpProblem(
    415,
    'unsupported-media-type',
    'Unsupported media type',
    detail,
    [{ field: 'content-type', detail: 'must be application/json' }],
    // RFC 9110 §15.5.16: Accept in a 415 says which media types would have been accepted.
    { headers: { accept: 'application/json' } },
  );

/** The `charset` parameter of a media type ("application/json; charset=UTF-8" → "UTF-8"). */
const charsetOf = (contentType: string | undefined) =>
  /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '')?.[1];

/**
 * Replaces fastify's body parsers (JSON and text/plain) with one for JSON alone, so a body of any
 * other type is 415 rather than a string the schema then calls "expected object". An empty body
 * under `application/json` is no body (fastify's own parser calls it an error), so routes whose
 * body is optional accept it and routes that need one say "(body): expected object". JSON is
 * UTF-8 (RFC 8259 §8.1): another declared charset is 415. Parsing itself stays fastify's, with
 * its guards against `__proto__` and `constructor` poisoning. A compressed body (any
 * Content-Encoding but identity) is 415 too.
 */
export function acceptJsonBodiesOnly(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const coding = req.headers['content-encoding'];
    if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
      // Bodies are not inflated here (a small gzip can inflate past any limit); RFC 9110
      // §15.5.16 makes an unsupported content coding a 415.
      done(
        new HttpProblem(
          415,
          'unsupported-media-type',
          'Unsupported media type',
          `bodies are read as sent; content-encoding ${coding} is not accepted`,
          [{ field: 'content-encoding', detail: 'must be absent or identity' }],
          { headers: { 'accept-encoding': 'identity' } },
        ),
      );
      return;
    }
    const charset = charsetOf(req.headers['content-type']);
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      done(unsupportedMediaType(`JSON bodies are UTF-8; charset ${charset} is not accepted`));
      return;
    }
    // JSON's whitespace alone (RFC 8259 §2: space, tab, CR, LF) is no JSON text and no body
    // either: a client sending "\n" hears "(body): must be a JSON object" where a body is
    // needed, like one sending nothing. Other blank characters are not JSON (U+00A0, a BOM).
    if (/^[ \t\n\r]*$/.test(body as string)) {
      done(null, undefined);
      return;
    }
    parseJson(req, body as string, (err, parsed) => {
      if (err) return done(unparseable(body as string));
      let repeated: string[];
      try {
        repeated = repeatedFields(body as string);
      } catch (walk) {
        // The visitor recurses: a body nested thousands deep (which JSON.parse takes) exhausts
        // the stack, and was then called "not valid JSON". No request of this API nests so.
        if (!(walk instanceof RangeError)) throw walk;
        return done(new BodyProblem([{ field: '(body)', detail: 'nests too deeply' }]));
      }
      if (!repeated.length) return done(null, parsed);
      const errors = repeated.map((field) => ({ field, detail: 'must be given once' }));
      done(new BodyProblem(errors, parsed));
    });
  });
}

/**
 * Why fastify's parser refused a body, said apart: JSON that does not parse, or JSON whose keys
 * it refuses (`__proto__`, or `constructor` holding `prototype`: prototype poisoning). Its error
 * is the same for both; parsing the text again here (only for a refused body) tells them apart.
 */
function unparseable(text: string): HttpProblem {
  let detail = 'uses a key refused for safety (__proto__, or constructor with prototype)';
  try {
    // fastify's parser drops a leading byte order mark; so does this check.
    JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    detail = 'is not valid JSON';
  }
  return new BodyProblem([{ field: '(body)', detail }]);
}

/**
 * A 400 about the body, found while reading it (it does not parse, repeats a field, is not an
 * object): before the request's schemas ran, so the error handler adds what they find in the
 * path, query and headers, and one answer names every bad input (a body that is not JSON hid a
 * missing Idempotency-Key until it was mended).
 */
export class BodyProblem extends HttpProblem {
  /**
   * `parsed`: the body as JSON.parse read it, when it did (a field given twice), so its schema
   * can name the rest of what is wrong with it.
   */
  constructor(
    readonly fields: InputError[],
    readonly parsed?: unknown,
  ) {
    const { message, errors } = invalidRequest(fields);
    super(400, 'invalid-request', 'Invalid request', message, errors);
  }
}

/**
 * A 400 about the request's head (headers given twice, query escapes that do not decode), found
 * before its body is read: the error handler adds what the path, query and header schemas find
 * (the body is named once the head is sound: an answer given before the body is read closes
 * the connection rather than read a body of any size).
 */
export class HeadProblem extends HttpProblem {
  constructor(readonly fields: Partial<Record<'headers' | 'querystring', InputError[]>>) {
    const { message, errors } = invalidRequest([
      ...(fields.querystring ?? []),
      ...(fields.headers ?? []),
    ]);
    super(400, 'invalid-request', 'Invalid request', message, errors);
  }
}

/**
 * A field's path as problems name it, from its segments: ["passengers", 0, "firstName"] →
 * "passengers[0].firstName"; no segments → "".
 */
export const fieldPath = (segments: JSONPath): string =>
  segments.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${p}`)).join('');

/**
 * The fields given more than once in one object of a JSON text, as paths ("cabin",
 * "passengers[0].firstName"), each once, in the order of their second appearance, the first
 * MAX_REPEATED_NAMED of them; [] when none.
 * Keys are compared unescaped (`"cab\u0069n"` is `cabin`).
 *
 * Why: JSON.parse keeps the last of a repeated name (RFC 8259 §4 leaves it to the parser), so
 * `{"cabin": "economy", "cabin": "first"}` was read as first class without a word, and
 * another reader of the same text (a proxy, a log) may keep the first. JSON.parse cannot say,
 * so the text is walked again with jsonc-parser's visitor (Microsoft's, VS Code's JSON
 * scanner) rather than a tokenizer of our own; only after it parsed, so the text is plain JSON.
 */
export function repeatedFields(json: string): string[] {
  const open: Array<Set<string>> = [];
  const repeated = new Set<string>();
  visit(json, {
    onObjectBegin: () => void open.push(new Set()),
    onObjectEnd: () => void open.pop(),
    onObjectProperty: (property, _offset, _length, _line, _character, pathSupplier) => {
      const keys = open.at(-1);
      // A name left empty is named by the schema, as "has a field with no name" (unreadField).
      if (!keys || property === '') return;
      if (keys.has(property) && repeated.size < MAX_REPEATED_NAMED)
        repeated.add(shortPath(fieldPath([...pathSupplier(), property])));
      keys.add(property);
    },
  });
  return [...repeated];
}

/**
 * At most this many repeated fields are named, each path at most MAX_PATH_CHARS long (its end
 * kept): a 60 KB body nested 2,500 deep with 2,400 names given twice was answered with 24 MB of
 * paths, and eight at once stalled the BFF for seconds (a newcomer's find). A client fixing its
 * body needs the first few, not every one.
 */
const MAX_REPEATED_NAMED = 10;
const MAX_PATH_CHARS = 200;

/** A path cut to its last MAX_PATH_CHARS characters, "…" in front when cut. */
const shortPath = (path: string) =>
  path.length <= MAX_PATH_CHARS ? path : `…${path.slice(-MAX_PATH_CHARS)}`;

/** The problem for a body of a type no route reads (fastify's FST_ERR_CTP_INVALID_MEDIA_TYPE). */
export const mediaTypeProblem = (req: FastifyRequest) =>
  unsupportedMediaType(
    req.headers['content-type']
      ? `a body of type ${req.headers['content-type']} is not accepted: send application/json`
      : 'a body without Content-Type is not accepted: send application/json',
  );

/** What a route whose body is optional says about JSON that is not an object. */
export const NOT_AN_OBJECT = 'must be a JSON object, or no body at all';
/** What a route that needs its body says about no body, or JSON that is not an object. */
export const NOT_AN_OBJECT_REQUIRED = 'must be a JSON object';

/** Whether a route's body schema (zod, through fastify-type-provider-zod) accepts no body. */
const bodyOptional = (schema: unknown) =>
  (schema as { safeParse?: (v: unknown) => { success: boolean } }).safeParse?.(undefined).success ??
  false;

/**
 * preValidation hook: on a route that reads a body, JSON that is not an object (`null`, an
 * array, a string, a number, a boolean) is 400 naming `(body)`, whether the body is optional
 * or required, so no route takes `null` while refusing `[]`. One wording for each kind of
 * route: routes that need their body said "must be an object" for none and "…or no body at
 * all" for `[]`, where no body was not allowed.
 */
export async function rejectNonObjectBody(req: FastifyRequest): Promise<void> {
  const schema = req.routeOptions.schema?.body;
  if (!schema) return;
  const body = req.body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return;
  // No body: nothing sent (fastify may hand `null` then), as against the JSON text `null`.
  const sent = announcesBody(req.headers);
  const none = body === undefined || (body === null && !sent);
  // A required body that is missing is the schema's to name, in order with the path and query
  // (handleError words it as NOT_AN_OBJECT_REQUIRED).
  if (none) return;
  const detail = bodyOptional(schema) ? NOT_AN_OBJECT : NOT_AN_OBJECT_REQUIRED;
  throw new BodyProblem([{ field: '(body)', detail }]);
}

/** What a body field a route does not read is told. */
export const NOT_A_FIELD = 'is not a field of this request';

/**
 * The problem entry for a query parameter or body field a route does not read: named, never
 * ignored, since a misspelt optional one (`adult=3`, `"cabn": "business"`) would otherwise be
 * answered as if it were not there, with the default in its place (one adult, economy). `path`
 * is where it was found in the body ("passengers[0]"), empty at the top.
 */
export function unreadField(
  key: string,
  where: 'querystring' | 'body',
  path = '',
): { field: string; detail: string } {
  // A name of spaces only ("+=1") shows as nothing: named by where it is, like an empty one.
  if (!key.trim())
    return where === 'querystring'
      ? { field: '(query)', detail: 'has a parameter with no name' }
      : { field: path || '(body)', detail: 'has a field with no name' };
  if (where === 'querystring') return { field: key, detail: 'is not a parameter of this route' };
  return { field: path ? `${path}.${key}` : key, detail: NOT_A_FIELD };
}

/**
 * The sign-in redirects: their query is written by others (the page's `returnTo`, the identity
 * provider's `code`, `state`, `iss`, `session_state`, …), so they keep what they do not read.
 */
const REDIRECT_ROUTES = new Set(['/auth/login', '/auth/callback']);

/**
 * The query parameters of a JSON route that reads none (quotes, a booking, cancel, retime,
 * /auth/session, /auth/logout, /auth/dev-login), each named as the routes with a query schema
 * (strict there) name theirs: a `?reason=` on cancel was dropped without a word. Pages, probes
 * and the sign-in redirects keep theirs. Also named by the error handler beside a request's
 * schema failures, so one answer names every bad field.
 */
export function unreadQueryErrors(req: FastifyRequest): Array<{ field: string; detail: string }> {
  const url = req.routeOptions.url;
  const json = url?.startsWith('/api/') || (url?.startsWith('/auth/') && !REDIRECT_ROUTES.has(url));
  if (!json || req.routeOptions.schema?.querystring) return [];
  // A name whose escapes do not decode is malformedQueryErrors' to name, once.
  const undecodable = undecodableQueryNames(req);
  const names = Object.keys((req.query as Record<string, unknown> | undefined) ?? {});
  return names.filter((n) => !undecodable.has(n)).map((n) => unreadField(n, 'querystring'));
}

/**
 * What a request's schemas do not check: the query parameters of a JSON route that reads none
 * (unreadQueryErrors) and, on the API's routes (each calls a service with a deadline), the
 * X-Request-Timeout header (bff/deadlines.ts). The error handler names these beside any schema
 * or body failure, so one answer names every bad input.
 */
export function uncheckedInputErrors(req: FastifyRequest): InputError[] {
  const timeout = req.routeOptions.url?.startsWith('/api/')
    ? requestTimeoutErrors(req.headers['x-request-timeout'])
    : [];
  return [...unreadQueryErrors(req), ...timeout.map((e) => ({ ...e, where: 'header ' as const }))];
}

/**
 * preHandler hook: uncheckedInputErrors as a 400, for a request whose body and schemas all
 * passed (it runs after validation; when validation fails, the error handler names these with
 * the rest).
 */
export async function rejectUncheckedInput(req: FastifyRequest): Promise<void> {
  const errors = uncheckedInputErrors(req);
  if (errors.length) throw invalidRequest(errors);
}

/** Whether a request's head announces a body: a Content-Length above 0, or any Transfer-Encoding. */
export const announcesBody = (headers: FastifyRequest['headers']): boolean =>
  Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined;

/**
 * An answer sent before the request's body was read (a problem found in its head or path, a
 * route that does not exist, a GET that carries a body nobody reads) closes the connection:
 * Node would otherwise read the whole unread body, whatever its size, to keep it open.
 */
export function closeIfBodyUnread(req: FastifyRequest, reply: FastifyReply): void {
  if (!req.raw.complete && announcesBody(req.headers)) reply.header('connection', 'close');
}

/**
 * onRequest hook: a path whose parameter is empty (`GET /api/v1/quotes/`, `/api/v1/bookings//cancel`)
 * names no resource: 404, as for a path no route has. The router matched it with an empty id,
 * which the route's schema answered as "id: is required" (400), as if the client had left out
 * a field.
 */
export async function rejectEmptyPathParameter(req: FastifyRequest): Promise<void> {
  const params = req.params as Record<string, unknown> | undefined;
  if (params && Object.values(params).some((v) => v === '')) {
    const path = req.url.split('?')[0]!;
    throw new HttpProblem(404, 'not-found', 'Not found', `no route ${req.method} ${path}`);
  }
}
