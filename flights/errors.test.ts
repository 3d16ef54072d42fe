import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { errorDetails, invalidArgument, toStatusObject } from '../platform/errors.js';
import {
  ErrorReason,
  failedPrecondition,
  FLIGHTS_ERRORS,
  reasonName,
  unavailable,
} from './errors.js';

/** What a client receives: the status object's fields on an Error, as grpc-js delivers them. */
const received = (err: unknown) =>
  Object.assign(new Error('x'), toStatusObject(err, FLIGHTS_ERRORS));

describe('flights errors', () => {
  it('spells reasons as the contract enum without its prefix, in the flights.v1 domain', () => {
    expect(reasonName(ErrorReason.ERROR_REASON_SOLD_OUT)).toBe('SOLD_OUT');
    const d = errorDetails(
      received(invalidArgument([{ field: 'items[0].seats', description: 'must be at least 1' }])),
    );
    expect(d.code).toBe(status.INVALID_ARGUMENT);
    expect(d.reason).toBe('INVALID_FIELD');
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
    expect(down).toMatchObject({
      code: status.UNAVAILABLE,
      reason: 'DEPENDENCY_UNAVAILABLE',
      retryDelayMs: 2500,
    });
  });
});
