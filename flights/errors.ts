/**
 * The flights error vocabulary: every ErrorInfo reason is a value of the contract's ErrorReason
 * enum, in the domain "flights.v1". The constructors below take the enum (so a typo does not
 * compile) and hand the platform the reason string clients see, e.g. "QUOTE_EXPIRED".
 */
import { status } from '@grpc/grpc-js';
import { ErrorReason, errorReasonToJSON } from '../gen/ts/flights/v1/common.js';
import { DomainError, type ErrorVocabulary, type FieldViolation } from '../platform/errors.js';
import type { Unreachable } from '../platform/peers.js';

export { ErrorReason };

/** The reason string on the wire: the enum value's name without "ERROR_REASON_". */
export function reasonName(reason: ErrorReason): string {
  return errorReasonToJSON(reason).replace(/^ERROR_REASON_/, '');
}

export const ERROR_DOMAIN = 'flights.v1';

/** What the runtime needs to spell errors the flights way. */
export const FLIGHTS_ERRORS: ErrorVocabulary = {
  domain: ERROR_DOMAIN,
  invalidArgument: reasonName(ErrorReason.ERROR_REASON_INVALID_FIELD),
  unspecified: reasonName(ErrorReason.ERROR_REASON_UNSPECIFIED),
  dependencyUnavailable: reasonName(ErrorReason.ERROR_REASON_DEPENDENCY_UNAVAILABLE),
};

/** "DEPENDENCY_UNAVAILABLE": a service this one needs could not answer. */
export const DEPENDENCY_UNAVAILABLE = reasonName(ErrorReason.ERROR_REASON_DEPENDENCY_UNAVAILABLE);

/**
 * A peer that could not answer, for platform's callPeer/peerFailure: UNAVAILABLE with
 * DEPENDENCY_UNAVAILABLE, RetryInfo after retryAfterMs (default 1000 ms), and this message.
 */
export const dependencyUnavailable = (message: string, retryAfterMs?: number): Unreachable => ({
  reason: DEPENDENCY_UNAVAILABLE,
  message,
  retryAfterMs,
});

/** A DomainError with a flights reason; metadata goes into ErrorInfo.metadata. */
export const domainError = (
  code: status,
  reason: ErrorReason,
  message: string,
  options: {
    violations?: FieldViolation[];
    metadata?: Record<string, string>;
    retryAfterMs?: number;
  } = {},
) => new DomainError(code, reasonName(reason), message, options);

export const notFound = (reason: ErrorReason, message: string, metadata?: Record<string, string>) =>
  domainError(status.NOT_FOUND, reason, message, { metadata });

export const failedPrecondition = (
  reason: ErrorReason,
  message: string,
  metadata?: Record<string, string>,
) => domainError(status.FAILED_PRECONDITION, reason, message, { metadata });

export const resourceExhausted = (
  reason: ErrorReason,
  message: string,
  metadata?: Record<string, string>,
) => domainError(status.RESOURCE_EXHAUSTED, reason, message, { metadata });

export const alreadyExists = (reason: ErrorReason, message: string) =>
  domainError(status.ALREADY_EXISTS, reason, message);

/** UNAVAILABLE with RetryInfo: the caller may try again after retryAfterMs (default 1000 ms). */
export const unavailable = (reason: ErrorReason, message: string, retryAfterMs = 1000) =>
  domainError(status.UNAVAILABLE, reason, message, { retryAfterMs });
