import { randomUUID } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { context, trace } from '@opentelemetry/api';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { errorDetails, isServiceError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { Authenticator } from './auth.js';
import type { BffClients } from './clients.js';
import type { BffConfig } from './config.js';
import { HttpProblem, internalProblem, problemFromGrpc, type ProblemResponse } from './problem.js';
import { registerRoutes } from './routes.js';
import { registerWeb } from './web.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The customer a booking route acts for: the bearer token's subject. */
    customerId?: string;
  }
  interface FastifyContextConfig {
    /** JSON path in the gRPC request → name of the HTTP parameter, for field errors. */
    fieldNames?: Record<string, string>;
  }
}

export interface BffDeps {
  clients: BffClients;
  config: BffConfig;
  log: Logger;
  /** Verifies a bearer token (bff/auth.ts): the caller, or a 401/503 HttpProblem. */
  authenticate: Authenticator;
  /** True while shutting down: /readyz answers 503 so the edge stops sending traffic. */
  draining?: () => boolean;
}

export function sendProblem(reply: FastifyReply, p: ProblemResponse): FastifyReply {
  if (p.retryAfter) reply.header('retry-after', String(p.retryAfter));
  for (const [k, v] of Object.entries(p.headers ?? {})) reply.header(k, v);
  return reply.code(p.status).type('application/problem+json').send(p.body);
}

/** "/passengers/0/givenName" → "passengers[0].givenName" */
export const jsonPointerToPath = (pointer: string) =>
  pointer
    .split('/')
    .filter(Boolean)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : `${i === 0 ? '' : '.'}${p}`))
    .join('');

const FASTIFY_CLIENT_ERRORS: Record<string, { slug: string; title: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    slug: 'unsupported-media-type',
    title: 'Unsupported media type',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { slug: 'payload-too-large', title: 'Request body too large' },
};

/** The HTTP/JSON API: translation only; business rules stay in the services. */
export async function buildBff(deps: BffDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    // One line per request, written by the onResponse hook below.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'request_id',
    }),
    bodyLimit: 64 * 1024,
    // An incoming X-Request-Id is kept when it looks like one; otherwise a fresh UUID.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given)
        ? given
        : randomUUID();
    },
    // X-Forwarded-For is believed only from these peers (Envoy), so clients cannot pick
    // their own rate-limit bucket.
    trustProxy: deps.config.TRUST_PROXY,
    // Requests Node's HTTP parser rejects (headers too large, garbage): still problem+json.
    clientErrorHandler: (err, socket) => {
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || socket.destroyed) return;
      const code = (err as NodeJS.ErrnoException).code;
      const [status, slug, title] =
        code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'headers-too-large', 'Request header fields too large']
          : code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'request-timeout', 'Request timeout']
            : [400, 'invalid-request', 'Bad request'];
      const body = JSON.stringify(
        new HttpProblem(status, slug, title, 'the HTTP request could not be read').toResponse()
          .body,
      );
      socket.end(
        `HTTP/1.1 ${status} ${title}\r\nconnection: close\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    },
    // Errors fastify raises before routing (a malformed URL): problem+json like the rest.
    frameworkErrors: (err, _req, reply) =>
      sendProblem(
        reply,
        new HttpProblem(400, 'invalid-request', 'Invalid request', err.message).toResponse(),
      ),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Flight mesh API',
        version: '1.0.0',
        description: [
          'Flight search, quotes and bookings over the flight mesh.',
          '',
          "- Money is `{ amount, currency }`: `amount` is an integer in the currency's minor unit, whose ISO-4217 exponent says how many digits are decimals (USD, EUR: 2, so 53037 USD = 530.37 USD; JPY: 0).",
          "- Local times are ISO-8601 with the airport's UTC offset (`2026-12-01T08:25:00-05:00`); instants such as `expiresAt` are UTC (`Z`).",
          '- Errors are RFC 9457 `application/problem+json` with `type`, `title`, `status`, `detail`, the service `reason` and field `errors`.',
          '- Booking routes need `Authorization: Bearer <JWT>`; its `sub` is the customer.',
          "- `X-Request-Timeout: 2500` (ms) or `2.5s` may shorten a route's deadline budget.",
        ].join('\n'),
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      tags: [
        { name: 'airports' },
        { name: 'search' },
        { name: 'quotes' },
        { name: 'bookings' },
        { name: 'operations' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyRateLimit, {
    max: deps.config.RATE_LIMIT_PER_MINUTE,
    timeWindow: '1 minute',
    keyGenerator: (req) => req.ip,
    allowList: (req) => req.url === '/healthz' || req.url === '/readyz',
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(
        new HttpProblem(
          429,
          'too-many-requests',
          'Too many requests',
          `at most ${ctx.max} requests per ${ctx.after} from one client`,
          undefined,
          { retryAfter: Math.max(1, Math.ceil(ctx.ttl / 1000)) },
        ),
        { statusCode: 429 },
      ),
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    // With the HTTP instrumentation (bff/main.ts is started with platform/telemetry), the
    // request runs inside a server span that continues an incoming traceparent.
    const span = trace.getSpan(context.active());
    if (span) reply.header('x-trace-id', span.spanContext().traceId);
  });
  app.addHook('onResponse', async (req, reply) => {
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
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      const known = FASTIFY_CLIENT_ERRORS[err.code];
      return sendProblem(
        reply,
        new HttpProblem(
          err.statusCode,
          known?.slug ?? 'invalid-request',
          known?.title ?? 'Invalid request',
          err.message,
          err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
            ? [{ field: '(body)', detail: err.message }]
            : undefined,
        ).toResponse(),
      );
    }
    req.log.error({ err }, 'unexpected error');
    return sendProblem(reply, internalProblem());
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(
      reply,
      new HttpProblem(
        404,
        'not-found',
        'Not found',
        `no route ${req.method} ${req.url.split('?')[0]}`,
      ).toResponse(),
    ),
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerRoutes(app, deps);
  await registerWeb(app);
  return app;
}
