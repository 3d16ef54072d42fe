import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { ErrorDetails } from '../platform/errors.js';
import { jsonFieldPath, PROBLEM_BASE, problemFromGrpc } from './problem.js';

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
    // Internal failures never leak their message; client-side ones explain themselves.
    if (http >= 500 && http !== 503 && http !== 504)
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
});
