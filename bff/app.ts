import { randomUUID } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { context, trace } from '@opentelemetry/api';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { errorDetails, isServiceError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { BffClients } from './clients.js';
import type { BffConfig } from './config.js';
import { HttpProblem, problemFromGrpc, type ProblemResponse } from './problem.js';
import { registerRoutes } from './routes.js';

export interface BffDeps {
  clients: BffClients;
  config: BffConfig;
  log: Logger;
  authenticate(authorization: string | undefined): Promise<string>;
}

function sendProblem(reply: FastifyReply, p: ProblemResponse): FastifyReply {
  if (p.retryAfter) reply.header('retry-after', String(p.retryAfter));
  return reply.code(p.status).type('application/problem+json').send(p.body);
}

/** "/passengers/0/givenName" → "passengers[0].givenName" */
const jsonPointerToPath = (pointer: string) =>
  pointer
    .split('/')
    .filter(Boolean)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : `${i === 0 ? '' : '.'}${p}`))
    .join('');

/** The HTTP/JSON API: translation only; business rules stay in the services. */
export async function buildBff(deps: BffDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: 64 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Flight mesh API',
        version: '1.0.0',
        description:
          "Flight search, quotes and bookings. Money is { amount, currency } with amount an integer in the currency's minor unit (USD: cents, exponent 2). Times are ISO-8601 with the local UTC offset. Errors are RFC 9457 problem+json.",
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyRateLimit, {
    max: deps.config.RATE_LIMIT_PER_MINUTE,
    timeWindow: '1 minute',
    // Behind Envoy the client is the first X-Forwarded-For hop.
    keyGenerator: (req) =>
      String(req.headers['x-forwarded-for'] ?? req.ip)
        .split(',')[0]!
        .trim(),
    allowList: (req) => req.url === '/healthz' || req.url === '/readyz',
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(
        new HttpProblem(
          429,
          'too-many-requests',
          'Too many requests',
          `limit is ${ctx.max} requests per ${ctx.after}`,
        ),
        {
          statusCode: 429,
        },
      ),
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    const span = trace.getSpan(context.active());
    if (span) reply.header('x-trace-id', span.spanContext().traceId);
  });
  app.addHook('onResponse', async (req, reply) => {
    const span = trace.getSpan(context.active());
    req.log.info(
      {
        method: req.method,
        route: req.routeOptions.url ?? req.url,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime),
        request_id: req.id,
        ...(span ? { trace_id: span.spanContext().traceId } : {}),
      },
      'http',
    );
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext === 'headers' ? 'header ' : '';
      return sendProblem(
        reply,
        new HttpProblem(
          400,
          'invalid-request',
          'Invalid request',
          err.validation
            .map((v) => `${where}${jsonPointerToPath(v.instancePath) || '(body)'}: ${v.message}`)
            .join('; '),
          err.validation.map((v) => ({
            field: jsonPointerToPath(v.instancePath) || '(body)',
            detail: v.message ?? 'is invalid',
          })),
        ).toResponse(),
      );
    }
    if (err instanceof HttpProblem) return sendProblem(reply, err.toResponse());
    if (isServiceError(err as unknown)) {
      const details = errorDetails(err);
      const problem = problemFromGrpc(details);
      if (problem.status >= 500)
        req.log.warn({ err: details.message, code: details.code }, 'downstream call failed');
      return sendProblem(reply, problem);
    }
    if (err.statusCode && err.statusCode < 500)
      return sendProblem(
        reply,
        new HttpProblem(
          err.statusCode,
          'invalid-request',
          'Invalid request',
          err.message,
        ).toResponse(),
      );
    req.log.error({ err }, 'unexpected error');
    return sendProblem(
      reply,
      new HttpProblem(
        500,
        'internal',
        'Internal error',
        'An unexpected error occurred; it has been logged.',
      ).toResponse(),
    );
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(
      reply,
      new HttpProblem(
        404,
        'not-found',
        'Not found',
        `no route ${req.method} ${req.url}`,
      ).toResponse(),
    ),
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerRoutes(app, deps);
  return app;
}
