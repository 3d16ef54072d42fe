/**
 * What every answer of the BFF carries and leaves behind, whichever path produced it: its
 * request and trace ids as headers, and one log line. Routed requests get both from app.ts's
 * hooks; requests fastify's router refused (a path that does not decode, an over-long path
 * parameter, a target that is no path) run no hook, and error-handler.ts calls these itself.
 */
import { context, trace } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Each request's reply, for onRequestAbort, which fastify calls with the request only. */
const replies = new WeakMap<FastifyRequest, FastifyReply>();
/** The latest request routed on each connection, for an answer written to its socket. */
const onSocket = new WeakMap<object, FastifyRequest>();

/**
 * Sets `x-request-id` (the request's id) and, inside a server span (bff/main.ts starts the
 * HTTP instrumentation), `x-trace-id`, so a client can quote either when it reports a problem.
 */
export function identifyAnswer(req: FastifyRequest, reply: FastifyReply): void {
  replies.set(req, reply);
  onSocket.set(req.raw.socket, req);
  reply.header('x-request-id', req.id);
  const span = trace.getSpan(context.active());
  if (span) reply.header('x-trace-id', span.spanContext().traceId);
}

/** Requests whose line is written: an aborted one may yet see its response fail ('error'). */
const logged = new WeakSet<FastifyRequest>();

/**
 * The one log line of a request, once answered or abandoned: method, route (the path when no
 * route matched), status, duration (ms), client address, and `aborted` when the client left
 * before the answer was written (status 499 if nothing of it was sent: the client closed the
 * request, as CANCELLED is answered). 5xx at warn, the rest at info. Called from onResponse and
 * onRequestAbort (fastify runs no onResponse for a request whose client left), and for refusals
 * before routing; a request is logged once.
 */
export function logAnswer(req: FastifyRequest, reply: FastifyReply): void {
  const aborted = !reply.raw.writableFinished;
  writeLine(req, aborted && !reply.raw.headersSent ? 499 : reply.statusCode, {
    duration_ms: Math.round(reply.elapsedTime),
    ...(aborted ? { aborted: true } : {}),
  });
}

/** The request's one `http` line (none if it has one): 5xx at warn, the rest at info. */
function writeLine(req: FastifyRequest, status: number, extra: Record<string, unknown>): void {
  if (logged.has(req)) return;
  logged.add(req);
  const line = {
    method: req.method,
    route: req.routeOptions.url ?? req.url,
    status,
    client: req.ip,
    ...extra,
  };
  if (status >= 500) req.log.warn(line, 'http');
  else req.log.info(line, 'http');
}

/** onRequestAbort: the line of a request whose client left before it was answered. */
export async function logAbandoned(req: FastifyRequest): Promise<void> {
  const reply = replies.get(req);
  if (reply) logAnswer(req, reply);
}

/**
 * The request routed on `socket` that has no answer yet (its final answer not begun, no line
 * logged), if any: the one a 408 written to the socket answers (its body never came in full).
 */
export function unansweredOn(socket: object): FastifyRequest | undefined {
  const req = onSocket.get(socket);
  if (!req || logged.has(req) || replies.get(req)?.raw.headersSent) return undefined;
  return req;
}

/**
 * The line of a request answered by writing to its socket (socket-errors.ts): its own id,
 * method and route, `status`, and `reason` (what refused it). It is logged once: the socket's
 * closing no longer makes it "aborted" (499) as if its client had left.
 */
export function logSocketAnswer(req: FastifyRequest, status: number, reason: string): void {
  const reply = replies.get(req);
  writeLine(req, status, {
    ...(reply && { duration_ms: Math.round(reply.elapsedTime) }),
    reason,
  });
}
