/**
 * The BFF as a fastify instance: server options, OpenAPI, rate limit, the request id and trace id
 * headers, one log line per request, problem+json for every failure, then the routes.
 */
import { randomUUID } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { nameHttpRoute } from '../platform/http-metrics.js';
import type { Logger } from '../platform/logger.js';
import { handleError, handleFrameworkError, notFoundHandler } from './error-handler.js';
import { handleClientError, refuseConnect } from './socket-errors.js';
import {
  acceptJsonBodiesOnly,
  announcesBody,
  BODY_LIMIT_BYTES,
  closeIfBodyUnread,
  MAX_PARAM_LENGTH,
  rejectUncheckedInput,
  rejectEmptyPathParameter,
  rejectNonObjectBody,
} from './http-input.js';
import { trackAllowedMethods } from './allowed-methods.js';
import {
  continueWhenReadingBody,
  expectsContinue,
  rejectAsteriskForm,
  rejectBadHost,
  rejectUnknownVersion,
  rejectMalformedHead,
  rejectUnmetExpectation,
  rewriteAbsoluteForm,
} from './request-head.js';
import { registerOpenApi } from './openapi.js';
import { identifyAnswer, logAbandoned, logAnswer } from './request-log.js';
import { responseSerializer } from './response-serializer.js';
import { HttpProblem } from './problem.js';
import { registerRoutes, type RouteDeps } from './routes/index.js';
import { registerSessions } from './session.js';
import { registerWeb } from './web.js';

export interface BffDeps extends RouteDeps {
  log: Logger;
}

/** The HTTP/JSON API: translation only; business rules stay in the services. */
export async function buildBff(deps: BffDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Time to receive a whole request (headers and body); handleClientError answers 408
    // problem+json. Given to Node's server at creation, where its connection checks read it
    // (measured on Node 20: set afterwards it never fired), and to fastify, which otherwise
    // sets 0 afterwards and so also turned off Node's own 5-minute default.
    http: {
      // rejectBadHost answers it, as problem+json.
      requireHostHeader: false,
      requestTimeout: deps.config.REQUEST_RECEIVE_TIMEOUT_MS,
      // How often Node looks for requests past it (30 s by default: a stalled request would
      // live up to twice its limit).
      connectionsCheckingInterval: Math.min(
        5_000,
        Math.max(100, deps.config.REQUEST_RECEIVE_TIMEOUT_MS / 4),
      ),
    },
    requestTimeout: deps.config.REQUEST_RECEIVE_TIMEOUT_MS,
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    // One line per request, written by the onResponse hook below.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'request_id',
    }),
    bodyLimit: BODY_LIMIT_BYTES,
    // `GET http://host/path` (absolute-form) is read as `GET /path` by everything after routing.
    rewriteUrl: rewriteAbsoluteForm,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
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
    clientErrorHandler: handleClientError,
    frameworkErrors: handleFrameworkError,
  });
  // A request with an Expect header goes on as any other (so traced and counted: the HTTP
  // instrumentation wraps the server's 'request' event). rejectUnmetExpectation answers one
  // this server cannot meet (Node's own answer is an empty 417); continueWhenReadingBody sends
  // 100 Continue when the body is about to be read (Node sent it before any check).
  app.server.on('checkExpectation', (req, res) => app.server.emit('request', req, res));
  app.server.on('checkContinue', (req, res) => {
    // No body to wait for: Node's own answer (100 at once), which keeps the connection. Left
    // unsent, Node closes the connection after the response, in case a body follows.
    if (expectsContinue(req.headers) && !announcesBody(req.headers)) res.writeContinue();
    app.server.emit('request', req, res);
  });
  app.server.on('connect', refuseConnect(app.log));
  // Before any plugin is registered: child contexts copy the parsers they find.
  acceptJsonBodiesOnly(app);
  const allowedMethods = trackAllowedMethods(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializer);

  // Before any plugin is registered, so the contract's and the docs' routes answer problem+json
  // too (a plugin keeps the handlers it found: /openapi.json answered fastify's own JSON).
  app.setErrorHandler(handleError);
  await registerOpenApi(app);
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
          // ctx.after is the time left in the window, not the window.
          `at most ${ctx.max} requests a minute from one client; try again in ${ctx.after}`,
          undefined,
          { retryAfter: Math.max(1, Math.ceil(ctx.ttl / 1000)) },
        ),
        { statusCode: 429 },
      ),
  });

  app.addHook('onRequest', async (req, reply) => {
    nameHttpRoute(req.routeOptions.url); // http.route of http.server.request.duration
    identifyAnswer(req, reply);
  });
  app.addHook('onRequest', rejectUnknownVersion);
  app.addHook('onRequest', rejectBadHost);
  app.addHook('onRequest', rejectAsteriskForm);
  app.addHook('onRequest', rejectUnmetExpectation);
  app.addHook('onRequest', rejectEmptyPathParameter);
  app.addHook('onRequest', rejectMalformedHead);
  // No route matches: answer 404/405 once the request's head is judged, before its body is read.
  // fastify would read and parse the body first and call an unparseable or non-JSON one 400 or
  // 415, which says nothing of the missing route. (closeIfBodyUnread, on send, closes the
  // connection rather than read the body afterwards.)
  const notFound = notFoundHandler(allowedMethods);
  app.addHook('onRequest', async (req, reply) => {
    if (req.is404) return notFound(req, reply);
  });
  app.addHook('preParsing', continueWhenReadingBody);
  app.addHook('preValidation', rejectNonObjectBody);
  // After validation, so a request whose schemas fail hears of its unread query and
  // X-Request-Timeout with the rest.
  app.addHook('preHandler', rejectUncheckedInput);
  app.addHook('onSend', async (req, reply) => closeIfBodyUnread(req, reply));
  app.addHook('onResponse', async (req, reply) => logAnswer(req, reply));
  app.addHook('onRequestAbort', logAbandoned);

  app.setNotFoundHandler(notFound);
  await registerSessions(app, deps);
  registerRoutes(app, deps);
  await registerWeb(app);
  return app;
}
