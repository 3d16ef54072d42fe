/**
 * What every answer of the BFF carries and leaves behind, whichever path produced it: its
 * request and trace ids as headers, and one log line. Routed requests get both from app.ts's
 * hooks; requests fastify's router refused (a path that does not decode, an over-long path
 * parameter, a target that is no path) run no hook, and error-handler.ts calls these itself.
 */
import { context, trace } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Sets `x-request-id` (the request's id) and, inside a server span (bff/main.ts starts the
 * HTTP instrumentation), `x-trace-id`, so a client can quote either when it reports a problem.
 */
export function identifyAnswer(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', req.id);
  const span = trace.getSpan(context.active());
  if (span) reply.header('x-trace-id', span.spanContext().traceId);
}

/**
 * The one log line of a request, once answered: method, route (the path when no route matched),
 * status, duration (ms), client address, and `aborted` when the client left before the answer
 * was written. 5xx at warn, the rest at info.
 */
export function logAnswer(req: FastifyRequest, reply: FastifyReply): void {
  const line = {
    method: req.method,
    route: req.routeOptions.url ?? req.url,
    status: reply.statusCode,
    duration_ms: Math.round(reply.elapsedTime),
    client: req.ip,
    ...(reply.raw.writableFinished ? {} : { aborted: true }),
  };
  if (reply.statusCode >= 500) req.log.warn(line, 'http');
  else req.log.info(line, 'http');
}
