import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ErrorReason, reasonName } from '../flights/errors.js';
import type { ErrorDetails } from '../platform/errors.js';
import {
  BY_CODE,
  BY_REASON,
  httpText,
  jsonFieldPath,
  PROBLEM_BASE,
  problemFromGrpc,
  typeOfHttpStatus,
} from './problem.js';
import { problem } from './schemas.js';

const details = (
  code: status,
  reason?: string,
  extra: Partial<ErrorDetails> = {},
): ErrorDetails => ({
  code,
  message: `message for ${status[code]}`,
  reason,
  metadata: {},
  fieldViolations: [],
  ...extra,
});

describe('gRPC status → HTTP problem', () => {
  it.each([
    [status.CANCELLED, undefined, 499, 'cancelled'],
    [status.UNKNOWN, undefined, 500, 'internal'],
    [status.INVALID_ARGUMENT, 'INVALID_FIELD', 400, 'invalid-request'],
    [status.DEADLINE_EXCEEDED, undefined, 504, 'deadline-exceeded'],
    [status.NOT_FOUND, 'QUOTE_NOT_FOUND', 404, 'quote-not-found'],
    [status.NOT_FOUND, 'BOOKING_NOT_FOUND', 404, 'booking-not-found'],
    [status.NOT_FOUND, undefined, 404, 'not-found'],
    [status.ALREADY_EXISTS, 'IDEMPOTENCY_CONFLICT', 422, 'idempotency-conflict'],
    [status.PERMISSION_DENIED, undefined, 403, 'forbidden'],
    [status.RESOURCE_EXHAUSTED, undefined, 429, 'too-many-requests'],
    [status.FAILED_PRECONDITION, 'QUOTE_EXPIRED', 410, 'quote-expired'],
    [status.FAILED_PRECONDITION, 'SOLD_OUT', 409, 'sold-out'],
    [status.FAILED_PRECONDITION, 'FLIGHT_CANCELLED', 409, 'flight-cancelled'],
    [status.FAILED_PRECONDITION, 'BOOKING_STATE_CONFLICT', 409, 'booking-state-conflict'],
    [status.FAILED_PRECONDITION, 'PRICE_CHANGED', 409, 'price-changed'],
    [status.FAILED_PRECONDITION, 'HOLD_EXPIRED', 409, 'hold-expired'],
    [status.NOT_FOUND, 'FLIGHT_NOT_FOUND', 404, 'flight-not-found'],
    [status.NOT_FOUND, 'AIRPORT_NOT_FOUND', 404, 'airport-not-found'],
    [status.ALREADY_EXISTS, undefined, 409, 'conflict'],
    [status.FAILED_PRECONDITION, 'SOME_FUTURE_REASON', 409, 'conflict'],
    [status.FAILED_PRECONDITION, undefined, 409, 'conflict'],
    [status.ABORTED, undefined, 409, 'conflict'],
    [status.OUT_OF_RANGE, undefined, 400, 'invalid-request'],
    [status.UNIMPLEMENTED, undefined, 501, 'not-implemented'],
    [status.INTERNAL, undefined, 500, 'internal'],
    [status.UNAVAILABLE, 'DEPENDENCY_UNAVAILABLE', 503, 'dependency-unavailable'],
    [status.UNAVAILABLE, undefined, 503, 'unavailable'],
    [status.DATA_LOSS, undefined, 500, 'internal'],
    [status.UNAUTHENTICATED, undefined, 401, 'unauthenticated'],
  ])('%s (%s) → %i %s', (code, reason, http, type) => {
    const p = problemFromGrpc(details(code, reason));
    expect(p.status).toBe(http);
    expect(p.body.status).toBe(http);
    expect(p.body.type).toBe(PROBLEM_BASE + type);
    expect(p.body.title).toBeTruthy();
    if (reason) expect(p.body.reason).toBe(reason);
    expect(problem.parse(p.body)).toEqual(p.body);
    // Internal failures never leak their message; client-side ones explain themselves.
    // Transport failures (no reason from a service) say what happened, not how.
    if (http >= 500 && !(reason && (http === 503 || http === 504)))
      expect(p.body.detail).not.toContain('message for');
    else expect(p.body.detail).toBe(`message for ${status[code]}`);
  });

  it('sets Retry-After on unavailable, from RetryInfo when given', () => {
    expect(problemFromGrpc(details(status.UNAVAILABLE)).retryAfter).toBe(1);
    expect(
      problemFromGrpc(details(status.UNAVAILABLE, undefined, { retryDelayMs: 2500 })).retryAfter,
    ).toBe(3);
    expect(problemFromGrpc(details(status.NOT_FOUND)).retryAfter).toBeUndefined();
  });

  it('turns BadRequest field violations into JSON field errors', () => {
    const p = problemFromGrpc(
      details(status.INVALID_ARGUMENT, 'INVALID_FIELD', {
        fieldViolations: [{ field: 'passengers[0].date_of_birth', description: 'is not a date' }],
      }),
    );
    expect(p.body.errors).toEqual([
      { field: 'passengers[0].dateOfBirth', detail: 'is not a date' },
    ]);
    expect(jsonFieldPath('items[2].flight_id')).toBe('items[2].flightId');
  });

  it('has a row for every gRPC code and every reason of the contracts', () => {
    for (const code of Object.values(status).filter((v) => typeof v === 'number'))
      expect(BY_CODE[code as status], status[code as status]).toBeDefined();
    const reasons = Object.values(ErrorReason)
      .filter((v): v is ErrorReason => typeof v === 'number')
      .filter((r) => r !== ErrorReason.ERROR_REASON_UNSPECIFIED && r !== ErrorReason.UNRECOGNIZED)
      .map(reasonName);
    expect(reasons.length).toBeGreaterThan(10);
    for (const r of reasons) expect(BY_REASON[r], r).toBeDefined();
  });

  it('never lets a reason turn a server-side failure into a client error', () => {
    const p = problemFromGrpc(details(status.UNAVAILABLE, 'SOLD_OUT'));
    expect(p.status).toBe(503);
    expect(p.retryAfter).toBe(1);
    expect(problemFromGrpc(details(status.INTERNAL, 'QUOTE_EXPIRED')).status).toBe(500);
  });

  it('passes ErrorInfo metadata on with camelCase keys, except for internal errors', () => {
    const meta = { metadata: { booking_reference: 'K7QX2M' } };
    expect(
      problemFromGrpc(details(status.FAILED_PRECONDITION, 'SOLD_OUT', meta)).body.metadata,
    ).toEqual({ bookingReference: 'K7QX2M' });
    expect(
      problemFromGrpc(details(status.INTERNAL, undefined, meta)).body.metadata,
    ).toBeUndefined();
  });

  it('renames fields where the HTTP parameter differs from the request message', () => {
    const p = problemFromGrpc(
      details(status.INVALID_ARGUMENT, 'INVALID_FIELD', {
        fieldViolations: [
          { field: 'departure_date', description: 'is too far ahead' },
          { field: 'max_stops', description: 'must be 0, 1 or 2' },
        ],
      }),
      { departureDate: 'date' },
    );
    expect(p.body.errors).toEqual([
      { field: 'date', detail: 'is too far ahead' },
      { field: 'maxStops', detail: 'must be 0, 1 or 2' },
    ]);
  });

  it('names a field in the detail as in errors[].field, for every field of a violation message', () => {
    const violations = [
      { field: 'departure_date', description: 'is too far ahead' },
      { field: 'passengers.children', description: 'at most 9 seated passengers' },
      { field: 'page_token', description: 'pass the next_page_token of a previous page' },
      { field: 'passengers[0].date_of_birth', description: 'is not a date' },
    ];
    const p = problemFromGrpc(
      details(status.INVALID_ARGUMENT, 'INVALID_FIELD', {
        message: violations.map((v) => `${v.field}: ${v.description}`).join('; '),
        fieldViolations: violations,
      }),
      { departureDate: 'date', 'passengers.children': 'children' },
    );
    expect(p.body.errors).toEqual([
      { field: 'date', detail: 'is too far ahead' },
      { field: 'children', detail: 'at most 9 seated passengers' },
      { field: 'pageToken', detail: 'pass the nextPageToken of a previous page' },
      { field: 'passengers[0].dateOfBirth', detail: 'is not a date' },
    ]);
    expect(p.body.detail).toBe(
      'date: is too far ahead; children: at most 9 seated passengers; ' +
        'pageToken: pass the nextPageToken of a previous page; passengers[0].dateOfBirth: is not a date',
    );
  });

  it('renames proto field paths in any message, and nothing else', () => {
    const p = problemFromGrpc(
      details(status.NOT_FOUND, 'QUOTE_NOT_FOUND', { message: 'no quote for quote_id abc_1' }),
      { quoteId: 'id' },
    );
    expect(p.body.detail).toBe('no quote for id abc_1');
    expect(httpText('flight_ids[2]: SOLD_OUT on BA117-2026-12-01, see items[0].flight_id')).toBe(
      'flightIds[2]: SOLD_OUT on BA117-2026-12-01, see items[0].flightId',
    );
  });
});

describe('typeOfHttpStatus', () => {
  it('types a status as the gRPC code that maps to it does, and leaves others unknown', () => {
    expect(typeOfHttpStatus(403)).toEqual({ slug: 'forbidden', title: 'Forbidden' });
    expect(typeOfHttpStatus(404)).toEqual({ slug: 'not-found', title: 'Not found' });
    expect(typeOfHttpStatus(400)).toEqual({ slug: 'invalid-request', title: 'Invalid request' });
    expect(typeOfHttpStatus(418)).toBeUndefined();
  });
});
