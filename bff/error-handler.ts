/**
 * Every failure → an RFC 9457 problem+json answer, wherever it arises: in a handler (a gRPC
 * error, an HttpProblem), in fastify before the handler (schema validation, body parsing), or
 * before routing (a malformed URL). What Node's HTTP parser refuses is socket-errors.ts's.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { errorDetails, isServiceError } from '../platform/errors.js';
import {
  BODY_LIMIT_BYTES,
  BodyProblem,
  HeadProblem,
  NOT_A_FIELD,
  NOT_AN_OBJECT_REQUIRED,
  closeIfBodyUnread,
  fieldPath,
  mediaTypeProblem,
  uncheckedInputErrors,
  unreadField,
} from './http-input.js';
import {
  HttpProblem,
  internalProblem,
  problemFromGrpc,
  invalidRequest,
  typeOfHttpStatus,
  type InputError,
  type ProblemResponse,
} from './problem.js';
import { identifyAnswer, logAnswer } from './request-log.js';
import { undecodableQueryNames } from './query.js';
import { notATarget } from './request-head.js';

/** Writes a problem: its status, problem+json content type, Retry-After and extra headers. */
export function sendProblem(reply: FastifyReply, p: ProblemResponse): FastifyReply {
  if (p.retryAfter) reply.header('retry-after', String(p.retryAfter));
  for (const [k, v] of Object.entries(p.headers ?? {})) reply.header(k, v);
  return reply.code(p.status).type('application/problem+json').send(p.body);
}

/** "/passengers/0/givenName" → "passengers[0].givenName" */
export const jsonPointerToPath = (pointer: string) =>
  fieldPath(
    pointer
      .split('/')
      .filter(Boolean)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
  );

/**
 * fastify's own 4xx errors, raised before the handler runs (body reading and parsing), as
 * problems that name what was wrong.
 */
function fastifyClientProblem(err: FastifyError, req: FastifyRequest): HttpProblem {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return mediaTypeProblem(req);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpProblem(
        413,
        'payload-too-large',
        'Request body too large',
        `the body is larger than the ${req.routeOptions.bodyLimit ?? BODY_LIMIT_BYTES} bytes this API reads`,
        [{ field: '(body)', detail: 'is too large' }],
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidRequest(
        [{ field: 'content-length', detail: 'does not match the body' }],
        err.message,
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BodyProblem([
        { field: '(body)', detail: 'is empty; this route reads a JSON object' },
      ]);
    default: {
      const status = err.statusCode ?? 400;
      const { slug, title } = typeOfHttpStatus(status) ?? {
        slug: 'invalid-request',
        title: 'Invalid request',
      };
      return new HttpProblem(status, slug, title, err.message);
    }
  }
}

/**
 * "must be given once" for a query parameter sent more than once: the query parser hands the
 * schema a list of its values, which a field's own rule would describe as the wrong type. Read
 * from the query as sent, so a JSON body's list (its client's choice of type) keeps its own
 * message.
 */
function givenTwice(req: FastifyRequest, part: RequestPart, field: string): string | undefined {
  if (part !== 'querystring') return undefined;
  const sent = (req.query as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(sent) ? 'must be given once' : undefined;
}

/** The parts of a request fastify validates, in its order: it stops at the first that fails. */
const PARTS = ['params', 'body', 'querystring', 'headers'] as const;
type RequestPart = (typeof PARTS)[number];
type Validation = FastifyError['validation'] & object;

/** A part's schema failure as problem entries: one per field, the first rule it breaks. */
function inputErrors(req: FastifyRequest, part: RequestPart, validation: Validation): InputError[] {
  const where = part === 'headers' ? 'header ' : '';
  const found: InputError[] = [];
  for (const v of validation) {
    const at = jsonPointerToPath(v.instancePath);
    if (v.keyword === 'unrecognized_keys') {
      for (const key of (v.params as { keys?: string[] }).keys ?? [])
        found.push({
          ...unreadField(key, part === 'querystring' ? 'querystring' : 'body', at),
          where,
        });
      continue;
    }
    const field = at || '(body)';
    // The body as a whole failed its schema: it is missing (an object is required), as
    // rejectNonObjectBody words a body that is not an object.
    const whole = !at && part === 'body' ? NOT_AN_OBJECT_REQUIRED : undefined;
    const detail = whole ?? givenTwice(req, part, field) ?? v.message ?? 'is invalid';
    found.push({ field, detail, where });
  }
  return found;
}

/** What fastify validates of a part: the path parameters, body, query or headers. */
function partValue(req: FastifyRequest, part: RequestPart): unknown {
  return { params: req.params, body: req.body, querystring: req.query, headers: req.headers }[part];
}

/** A part's failures by the route's own schema and the compiler fastify uses: [] if it passes. */
function validatePart(
  req: FastifyRequest,
  part: RequestPart,
  value: unknown = partValue(req, part),
): InputError[] {
  const schema = (req.routeOptions.schema as Partial<Record<RequestPart, unknown>> | undefined)?.[
    part
  ];
  if (!schema) return [];
  const validate = validatorCompiler({
    schema: schema as Parameters<typeof validatorCompiler>[0]['schema'],
    method: req.method,
    url: req.url,
    httpPart: part,
  });
  const result = validate(value) as { error?: Validation };
  return result.error ? inputErrors(req, part, result.error) : [];
}

/**
 * One 400 naming every bad input of a request, from what is already known of some parts (fastify
 * stops at the first part whose schema fails; a body that does not parse stops it before any),
 * the schemas of the parts not yet checked, and what no schema checks (uncheckedInputErrors). A
 * booking with a bad body and no Idempotency-Key was told of its body, then, once that was
 * mended, of its key. One entry per field and part, the first found, as the services answer
 * (platform/validation.ts): "2026-02-30" breaks format, then calendar, and is named once; a
 * path's `flightId` and a body's `flightId` are two.
 */
function invalidInput(
  req: FastifyRequest,
  known: Partial<Record<RequestPart, InputError[]>>,
  unchecked: RequestPart[],
): HttpProblem {
  const byField = new Map<string, InputError>();
  const undecodable = undecodableQueryNames(req);
  const add = (part: string, errors: InputError[]) => {
    // A query name that does not decode is named once, as `(query)`, not again by its schema.
    if (part === 'querystring') errors = errors.filter((e) => !undecodable.has(e.field));
    for (const e of errors)
      if (!byField.has(`${part} ${e.field}`)) byField.set(`${part} ${e.field}`, e);
  };
  for (const part of PARTS) {
    add(part, known[part] ?? []);
    if (unchecked.includes(part)) add(part, validatePart(req, part));
  }
  // What no schema checks is of the query (unread parameters) or the headers (the timeout).
  for (const e of uncheckedInputErrors(req))
    add(e.where === 'header ' ? 'headers' : 'querystring', [e]);
  return invalidRequest([...byField.values()]);
}

/** fastify's error handler: the route's error, whatever threw it, as a problem. */
export function handleError(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(err)) {
    // The parts before the one that failed passed; those after it were not checked.
    const failed = err.validationContext as RequestPart;
    const later = PARTS.slice(PARTS.indexOf(failed) + 1);
    const known = { [failed]: inputErrors(req, failed, err.validation) };
    return sendProblem(reply, invalidInput(req, known, later).toResponse());
  }
  // Found while reading the body: no schema has run.
  const body = err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? fastifyClientProblem(err, req) : err;
  if (body instanceof BodyProblem) {
    const others = PARTS.filter((p) => p !== 'body');
    // A body that parsed (a field given twice) is also checked against its schema. One entry a
    // field: a field the request does not have is told so, given twice or not; one it has,
    // that it was given twice (its schema saw only the last value).
    const failures = body.parsed === undefined ? [] : validatePart(req, 'body', body.parsed);
    const notFields = failures.filter((e) => e.detail === NOT_A_FIELD);
    const known = { body: [...notFields, ...body.fields, ...failures] };
    return sendProblem(reply, invalidInput(req, known, others).toResponse());
  }
  // Found in the request's head: the body is not read; the path, query and headers are checked.
  if (err instanceof HeadProblem) {
    const known = err.fields;
    const unchecked: RequestPart[] = ['params', 'querystring', 'headers'];
    return sendProblem(reply, invalidInput(req, known, unchecked).toResponse());
  }
  if (err instanceof HttpProblem) return sendProblem(reply, err.toResponse());
  if (isServiceError(err as unknown)) {
    const details = errorDetails(err);
    const problem = problemFromGrpc(details, req.routeOptions.config?.fieldNames);
    if (problem.status >= 500)
      req.log.warn(
        { err: details.message, code: details.code, reason: details.reason },
        'downstream call failed',
      );
    return sendProblem(reply, problem);
  }
  if (isResponseSerializationError(err)) {
    req.log.error({ err, cause: err.cause }, 'response does not match its schema');
    return sendProblem(reply, internalProblem());
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
    return sendProblem(reply, fastifyClientProblem(err, req).toResponse());
  req.log.error({ err }, 'unexpected error');
  return sendProblem(reply, internalProblem());
}

/**
 * No route for this method and path: 405 with `Allow` when the path has routes for other
 * methods (`allowedMethods`), else 404.
 */
export const notFoundHandler =
  (allowedMethods: (path: string) => string[]) => (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!;
    const allowed = allowedMethods(path);
    if (allowed.length)
      return sendProblem(
        reply,
        new HttpProblem(
          405,
          'method-not-allowed',
          'Method not allowed',
          `${path} answers ${allowed.join(', ')}, not ${req.method}`,
          undefined,
          { headers: { allow: allowed.join(', ') } },
        ).toResponse(),
      );
    return sendProblem(
      reply,
      new HttpProblem(404, 'not-found', 'Not found', `no route ${req.method} ${path}`).toResponse(),
    );
  };

/**
 * Errors fastify raises while routing, before any hook: a path whose percent-escapes do not
 * decode or a target that is no path (400), a path parameter longer than MAX_PARAM_LENGTH (414).
 * problem+json like the rest, with the request and trace ids and the log line the hooks would
 * have given it (request-log.ts).
 */
export function handleFrameworkError(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  identifyAnswer(req, reply);
  reply.raw.once('close', () => logAnswer(req, reply));
  // fastify runs no hooks for these: onSend's closeIfBodyUnread is applied here.
  closeIfBodyUnread(req, reply);
  if (err.code === 'FST_ERR_BAD_URL') {
    // `ftp://x/y`, `localhost:5000`: absolute-form of another scheme, or authority-form (for
    // CONNECT), reach the router as they came (request-head.ts reads only http and https).
    const path = req.url.startsWith('/');
    const problem = path
      ? invalidRequest(
          [{ field: '(path)', detail: 'is not well-formed percent-encoded UTF-8' }],
          err.message,
        )
      : notATarget();
    return sendProblem(reply, problem.toResponse());
  }
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return sendProblem(
      reply,
      new HttpProblem(414, 'uri-too-long', 'URI too long', err.message, [
        { field: '(path)', detail: 'has a segment that is too long' },
      ]).toResponse(),
    );
  req.log.error({ err }, 'routing failed');
  return sendProblem(reply, internalProblem());
}
