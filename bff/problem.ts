/**
 * gRPC status → HTTP status and an RFC 9457 problem+json body. Pure, so the whole mapping is
 * tested as a table without a network.
 */
import { status } from '@grpc/grpc-js';
import type { ErrorDetails } from '../platform/errors.js';

export const PROBLEM_BASE = 'https://flight-mesh.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The ErrorInfo reason from the service, e.g. "SOLD_OUT". */
  reason?: string;
  /** Field errors, with JSON (camelCase) paths. */
  errors?: Array<{ field: string; detail: string }>;
}

export interface ProblemResponse {
  status: number;
  body: Problem;
  /** Seconds, for a Retry-After header. */
  retryAfter?: number;
}

const BY_CODE: Record<status, { http: number; slug: string; title: string }> = {
  [status.OK]: { http: 200, slug: 'ok', title: 'OK' },
  [status.CANCELLED]: { http: 499, slug: 'cancelled', title: 'Request cancelled' },
  [status.UNKNOWN]: { http: 500, slug: 'internal', title: 'Internal error' },
  [status.INVALID_ARGUMENT]: { http: 400, slug: 'invalid-request', title: 'Invalid request' },
  [status.DEADLINE_EXCEEDED]: {
    http: 504,
    slug: 'deadline-exceeded',
    title: 'The request took too long',
  },
  [status.NOT_FOUND]: { http: 404, slug: 'not-found', title: 'Not found' },
  [status.ALREADY_EXISTS]: { http: 409, slug: 'conflict', title: 'Conflict' },
  [status.PERMISSION_DENIED]: { http: 403, slug: 'forbidden', title: 'Forbidden' },
  [status.RESOURCE_EXHAUSTED]: { http: 429, slug: 'too-many-requests', title: 'Too many requests' },
  [status.FAILED_PRECONDITION]: { http: 409, slug: 'conflict', title: 'Conflict' },
  [status.ABORTED]: { http: 409, slug: 'conflict', title: 'Conflict, try again' },
  [status.OUT_OF_RANGE]: { http: 400, slug: 'invalid-request', title: 'Invalid request' },
  [status.UNIMPLEMENTED]: { http: 501, slug: 'not-implemented', title: 'Not implemented' },
  [status.INTERNAL]: { http: 500, slug: 'internal', title: 'Internal error' },
  [status.UNAVAILABLE]: { http: 503, slug: 'unavailable', title: 'Service unavailable' },
  [status.DATA_LOSS]: { http: 500, slug: 'internal', title: 'Internal error' },
  [status.UNAUTHENTICATED]: {
    http: 401,
    slug: 'unauthenticated',
    title: 'Authentication required',
  },
};

/** Reasons that deserve their own status or title, whatever the gRPC code. */
const BY_REASON: Record<string, { http?: number; title: string }> = {
  QUOTE_EXPIRED: { http: 410, title: 'The quote has expired; ask for a new one' },
  SOLD_OUT: { http: 409, title: 'Not enough seats left' },
  FLIGHT_CANCELLED: { http: 409, title: 'The flight is cancelled' },
  IDEMPOTENCY_CONFLICT: { http: 422, title: 'Idempotency key reused for a different request' },
  BOOKING_STATE_CONFLICT: { http: 409, title: 'The booking cannot change that way' },
  HOLD_EXPIRED: { http: 409, title: 'The seats were released before the booking completed' },
  QUOTE_NOT_FOUND: { title: 'No such quote' },
  BOOKING_NOT_FOUND: { title: 'No such booking' },
  FLIGHT_NOT_FOUND: { title: 'No such flight' },
  AIRPORT_NOT_FOUND: { title: 'No such airport' },
  DEPENDENCY_UNAVAILABLE: { title: 'A service behind this one is unavailable' },
};

const slug = (reason: string) => reason.toLowerCase().replaceAll('_', '-');

/** "passengers[0].date_of_birth" → "passengers[0].dateOfBirth" */
export const jsonFieldPath = (protoPath: string) =>
  protoPath.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export function problemFromGrpc(d: ErrorDetails): ProblemResponse {
  const byCode = BY_CODE[d.code] ?? BY_CODE[status.UNKNOWN];
  const byReason = d.reason && d.reason !== 'INVALID_FIELD' ? BY_REASON[d.reason] : undefined;
  const http = byReason?.http ?? byCode.http;
  const internal = http >= 500 && http !== 503 && http !== 504;
  const body: Problem = {
    type: PROBLEM_BASE + (byReason && d.reason ? slug(d.reason) : byCode.slug),
    title: byReason?.title ?? byCode.title,
    status: http,
    // Internal details stay in the logs.
    detail: internal ? 'An unexpected error occurred; it has been logged.' : d.message,
  };
  if (d.reason) body.reason = d.reason;
  if (d.fieldViolations.length)
    body.errors = d.fieldViolations.map((v) => ({
      field: jsonFieldPath(v.field),
      detail: v.description,
    }));
  const retryAfter =
    http === 503 || http === 429
      ? Math.max(1, Math.ceil((d.retryDelayMs ?? 1000) / 1000))
      : undefined;
  return { status: http, body, retryAfter };
}

/** A problem raised by the BFF itself (bad token, bad header, schema validation). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly errors?: Problem['errors'],
  ) {
    super(detail);
  }

  toResponse(): ProblemResponse {
    const body: Problem = {
      type: PROBLEM_BASE + this.slug,
      title: this.title,
      status: this.status,
      detail: this.message,
    };
    if (this.errors) body.errors = this.errors;
    return { status: this.status, body };
  }
}
