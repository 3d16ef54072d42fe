import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../platform/errors.js';
import { refusalReason } from './metrics.js';

describe('refusalReason', () => {
  it('is the ErrorInfo reason when the error has one', () => {
    expect(refusalReason(new DomainError(status.NOT_FOUND, 'QUOTE_NOT_FOUND', 'no quote'))).toBe(
      'QUOTE_NOT_FOUND',
    );
  });

  it('is the gRPC status name when it has none: a deadline cut short is not UNKNOWN', () => {
    expect(refusalReason(new DomainError(status.DEADLINE_EXCEEDED, undefined, 'late'))).toBe(
      'DEADLINE_EXCEEDED',
    );
    expect(refusalReason({ code: status.CANCELLED })).toBe('CANCELLED');
  });

  it('is UNKNOWN for anything else', () => {
    expect(refusalReason(new Error('boom'))).toBe('UNKNOWN');
    expect(refusalReason(undefined)).toBe('UNKNOWN');
    expect(refusalReason({ code: 99 })).toBe('UNKNOWN');
  });
});
