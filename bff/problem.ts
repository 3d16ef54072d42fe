/**
 * gRPC status → HTTP status and an RFC 9457 problem+json body. Pure, so the whole mapping is
 * tested as a table without a network. It knows status codes and reason names only: what a
 * reason means is the service's business.
 */
import { status } from '@grpc/grpc-js';
import type { ErrorDetails } from '../platform/errors.js';
import type { ProblemJson } from './schemas.js';

/** Problem types are `${PROBLEM_BASE}<slug>`; README.md lists them. */
export const PROBLEM_BASE = 'https://flight-mesh.dev/problems/';

export type Problem = ProblemJson;

export interface ProblemResponse {
  status: number;
  body: Problem;
  /** Seconds, for a Retry-After header. */
  retryAfter?: number;
  headers?: Record<string, string>;
}

interface Mapping {
  http: number;
  slug: string;
  title: string;
}

/** Every gRPC status code (OK never reaches here, but the table is total). */
export const BY_CODE: Record<status, Mapping> = {
  [status.OK]: { http: 200, slug: 'ok', title: 'OK' },
  // The client went away (or the BFF cancelled on its behalf): nobody reads this answer.
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

/**
 * The problem type of an HTTP status, for errors that arrive with a status only (a plugin's 403,
 * say): the first gRPC code's type that maps to it, or undefined. An error with status 403 was
 * typed `invalid-request` and titled "Invalid request".
 */
export function typeOfHttpStatus(http: number): { slug: string; title: string } | undefined {
  const mapping = Object.values(BY_CODE).find((m) => m.http === http);
  return mapping && { slug: mapping.slug, title: mapping.title };
}

/**
 * Every ErrorInfo reason of the contracts (flights.v1.ErrorReason without its prefix): its
 * title, and for some a more precise HTTP status than the code's (only ever within 4xx).
 */
export const BY_REASON: Record<string, { http?: number; title: string }> = {
  INVALID_FIELD: { title: 'Invalid request' },
  AIRPORT_NOT_FOUND: { title: 'No such airport' },
  FLIGHT_NOT_FOUND: { title: 'No such flight' },
  FLIGHT_CANCELLED: { http: 409, title: 'The flight is cancelled' },
  SOLD_OUT: { http: 409, title: 'Not enough seats left' },
  HOLD_NOT_FOUND: { title: 'No such seat hold' },
  HOLD_EXPIRED: { http: 409, title: 'The seats were released before the booking completed' },
  // Same key, different request (draft-ietf-httpapi-idempotency-key-header: 422).
  IDEMPOTENCY_CONFLICT: { http: 422, title: 'Idempotency key reused for a different request' },
  HOLD_STATE_CONFLICT: { http: 409, title: 'The seat hold cannot change that way' },
  CURSOR_EXPIRED: { http: 410, title: 'The change feed cursor has expired' },
  QUOTE_NOT_FOUND: { title: 'No such quote' },
  // Gone for good: the client must ask for a new quote, retrying this one never helps.
  QUOTE_EXPIRED: { http: 410, title: 'The quote has expired; ask for a new one' },
  PRICE_CHANGED: { http: 409, title: 'The price has changed; ask for a new quote' },
  BOOKING_NOT_FOUND: { title: 'No such booking' },
  BOOKING_STATE_CONFLICT: { http: 409, title: 'The booking cannot change that way' },
  DEPENDENCY_UNAVAILABLE: { title: 'A service behind this one is unavailable' },
  SALES_CLOSED: { http: 409, title: 'The flight is no longer on sale' },
  QUOTE_ALREADY_BOOKED: { http: 409, title: 'The quote is already booked; ask for a new one' },
  ITINERARY_CHANGED: {
    http: 409,
    title: 'A flight of the quote was retimed since; ask for a new quote',
  },
};

const slug = (reason: string) => reason.toLowerCase().replaceAll('_', '-');

/** "passengers[0].date_of_birth" → "passengers[0].dateOfBirth" */
export const jsonFieldPath = (protoPath: string) =>
  protoPath.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** "booking_reference" → "bookingReference", for ErrorInfo metadata keys. */
const camel = jsonFieldPath;

/**
 * The one mapping from a field as a service names it (proto path, "passengers[0].date_of_birth")
 * to the name the HTTP client used: its JSON name ("passengers[0].dateOfBirth"), or the route's
 * own parameter where they differ (`fieldNames`, JSON path → HTTP name: departureDate → date).
 */
export const httpFieldName = (protoPath: string, fieldNames: Record<string, string> = {}) => {
  const json = jsonFieldPath(protoPath);
  return fieldNames[json] ?? json;
};

/**
 * A proto field path inside a service's text: a snake_case name of lower-case letters with at
 * least one underscore, then any [index] and .sub.field parts ("quote_id", "flight_ids[2]",
 * "passengers[0].date_of_birth"). Reason names (SOLD_OUT) and ids (BA117-2026-12-01) stay.
 */
const PROTO_PATH_IN_TEXT =
  /\b[a-z][a-z0-9]*_[a-z0-9_]*(?:\[\d+\])*(?:\.[a-z][a-z0-9_]*(?:\[\d+\])*)*/g;

/**
 * A service's message or violation description with every proto field path in it renamed by
 * `httpFieldName`, so the text and `errors[].field` name a field the same way
 * ("quote_id: must be a UUID" → "quoteId: must be a UUID").
 */
export const httpText = (text: string, fieldNames: Record<string, string> = {}) =>
  text.replace(PROTO_PATH_IN_TEXT, (path) => httpFieldName(path, fieldNames));

/**
 * Every route takes a service's request id or idempotency key from the Idempotency-Key header:
 * a service's message naming the field names the header ("request_id qk-1 was used for …").
 */
const KEY_FIELD_NAMES: Record<string, string> = {
  requestId: 'idempotency-key',
  idempotencyKey: 'idempotency-key',
};

const INTERNAL_DETAIL = 'An unexpected error occurred; it has been logged.';
const TRANSPORT_DETAIL: Record<number, string> = {
  503: 'A service behind this API is unavailable; try again after Retry-After seconds.',
  504: 'The request did not finish within its deadline budget.',
};

/**
 * The problem for a failed gRPC call. `fieldNames` renames field paths where the route's
 * parameters are named differently from the request message (JSON path → HTTP name).
 */
export function problemFromGrpc(
  d: ErrorDetails,
  routeFieldNames: Record<string, string> = {},
): ProblemResponse {
  const fieldNames = { ...KEY_FIELD_NAMES, ...routeFieldNames };
  const byCode = BY_CODE[d.code] ?? BY_CODE[status.UNKNOWN];
  const byReason = d.reason && d.reason !== 'INVALID_FIELD' ? BY_REASON[d.reason] : undefined;
  // A reason refines a client error; it never turns a server-side failure into a 4xx.
  const http = byCode.http < 500 && byReason?.http ? byReason.http : byCode.http;
  const internal = http >= 500 && http !== 503 && http !== 504;
  const body: Problem = {
    type: PROBLEM_BASE + (byReason && d.reason ? slug(d.reason) : byCode.slug),
    title: byReason?.title ?? byCode.title,
    status: http,
    // Internal details stay in the logs; so do transport errors (addresses, balancer state):
    // a 503/504 explains itself only when a service said why (it set a reason).
    detail: internal
      ? INTERNAL_DETAIL
      : http >= 500 && !d.reason
        ? (TRANSPORT_DETAIL[http] ?? INTERNAL_DETAIL)
        : httpText(d.message, fieldNames),
  };
  if (d.reason) body.reason = d.reason;
  // The key is the field at fault, though the service names no violation.
  if (d.reason === 'IDEMPOTENCY_CONFLICT')
    body.errors = [{ field: 'idempotency-key', detail: 'was used before for a different request' }];
  if (d.fieldViolations.length) {
    const errors = d.fieldViolations.map((v) => ({
      field: httpFieldName(v.field, fieldNames),
      detail: httpText(v.description, fieldNames),
    }));
    body.errors = errors;
    // A message made of the violations (platform/errors.ts invalidArgument) is made again from
    // the renamed ones: "passengers.adults: …" is "adults: …" where the field is `adults`.
    if (d.message === d.fieldViolations.map((v) => `${v.field}: ${v.description}`).join('; '))
      body.detail = errors.map((e) => `${e.field}: ${e.detail}`).join('; ');
  }
  const metadata = Object.entries(d.metadata);
  if (!internal && metadata.length)
    body.metadata = Object.fromEntries(metadata.map(([k, v]) => [camel(k), v]));
  const retryAfter =
    http === 503 || http === 429
      ? Math.max(1, Math.ceil((d.retryDelayMs ?? 1000) / 1000))
      : undefined;
  return { status: http, body, retryAfter };
}

/** A problem raised by the BFF itself (bad token, bad header, schema validation, rate limit). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly errors?: Problem['errors'],
    readonly extra: { retryAfter?: number; headers?: Record<string, string> } = {},
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
    return { status: this.status, body, ...this.extra };
  }
}

/** One bad input: its name, what is wrong, and `where` ("header ") to say so in the detail. */
export interface InputError {
  field: string;
  detail: string;
  where?: '' | 'header ';
}

/**
 * A 400 naming inputs, each in errors[]; its detail `message`, or "field: detail; header name:
 * detail; …". The one way the BFF words bad input, wherever it is found.
 */
export const invalidRequest = (errors: InputError[], message?: string) =>
  new HttpProblem(
    400,
    'invalid-request',
    'Invalid request',
    message ?? errors.map((e) => `${e.where ?? ''}${e.field}: ${e.detail}`).join('; '),
    errors.map(({ field, detail }) => ({ field, detail })),
  );

export const internalProblem = (): ProblemResponse =>
  new HttpProblem(500, 'internal', 'Internal error', INTERNAL_DETAIL).toResponse();
