import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  DomainError,
  ErrorReason,
  errorDetails,
  failedPrecondition,
  invalidArgument,
  toStatusObject,
  unavailable,
} from './errors.js';

/** What a client receives: the status object's fields on an Error, as grpc-js delivers them. */
const received = (err: unknown) => Object.assign(new Error('x'), toStatusObject(err));

describe('errors', () => {
  it('carries field violations and the reason to the client', () => {
    const d = errorDetails(
      received(invalidArgument([{ field: 'items[0].seats', description: 'must be at least 1' }])),
    );
    expect(d.code).toBe(status.INVALID_ARGUMENT);
    expect(d.reason).toBe('INVALID_FIELD');
    expect(d.fieldViolations).toEqual([
      { field: 'items[0].seats', description: 'must be at least 1' },
    ]);
    expect(d.message).toContain('items[0].seats');
  });

  it('carries ErrorInfo metadata and RetryInfo', () => {
    const expired = errorDetails(
      received(
        failedPrecondition(ErrorReason.ERROR_REASON_QUOTE_EXPIRED, 'gone', { quote_id: 'q1' }),
      ),
    );
    expect(expired).toMatchObject({
      code: status.FAILED_PRECONDITION,
      reason: 'QUOTE_EXPIRED',
      metadata: { quote_id: 'q1' },
    });
    const down = errorDetails(
      received(unavailable(ErrorReason.ERROR_REASON_DEPENDENCY_UNAVAILABLE, 'schedule down', 2500)),
    );
    expect(down).toMatchObject({ code: status.UNAVAILABLE, retryDelayMs: 2500 });
  });

  it('hides unexpected errors behind INTERNAL without leaking their text', () => {
    const st = toStatusObject(new TypeError('secret stack detail'));
    expect(st.code).toBe(status.INTERNAL);
    expect(st.details).not.toContain('secret');
    expect(
      new DomainError(status.NOT_FOUND, ErrorReason.ERROR_REASON_FLIGHT_NOT_FOUND, 'm'),
    ).toBeInstanceOf(Error);
  });
});
