/**
 * What every route module shares: its dependencies, the problem+json responses it documents,
 * the call options of one request (deadline budget, cancellation) and bearer authentication.
 */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CallOptions } from '../../platform/clients.js';
import { requireRole, type Authenticator } from '../auth.js';
import type { BffClients } from '../clients.js';
import type { BffConfig } from '../config.js';
import { requestBudgetMs } from '../deadlines.js';
import { problem } from '../schemas.js';

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

export interface RouteDeps {
  clients: BffClients;
  config: BffConfig;
  /** The caller named by an `Authorization` header (bff/auth.ts); a 401 HttpProblem otherwise. */
  authenticate: Authenticator;
  /** True while shutting down: /readyz answers 503 so the edge stops sending traffic. */
  draining?: () => boolean;
}

/** The fastify instance with zod schemas as route types. */
export type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

const problemContent = { 'application/problem+json': { schema: problem } };
/** The error responses every route documents. */
export const problems = {
  '4XX': { description: 'client error (problem+json)', content: problemContent },
  '5XX': {
    description: 'server error: 503 and 504 say which, with Retry-After on 503',
    content: problemContent,
  },
};

/**
 * Call options for one request: its deadline budget (ms, shortened by X-Request-Timeout), and
 * cancellation of the downstream call when the client goes away before the answer is written.
 */
export function callOptions(
  req: FastifyRequest,
  reply: FastifyReply,
  budgetMs: number,
): CallOptions {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return {
    deadlineMs: requestBudgetMs(budgetMs, req.headers['x-request-timeout']),
    signal: controller.signal,
  };
}

/** OpenAPI bits of a route that needs a bearer token. */
export const bearerSecured = { security: [{ bearer: [] }], tags: ['bookings'] };

/**
 * Route options that check the bearer token first (onRequest, before the body is read or
 * validated): no token, no further word about the request (401); a token without the
 * `customer` role, 403. Sets `req.customerId` to the token's subject.
 */
export const authenticated = (deps: RouteDeps) => ({
  onRequest: async (req: FastifyRequest) => {
    req.customerId = requireRole(
      await deps.authenticate(req.headers.authorization),
      'customer',
    ).subject;
  },
});
