import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import {
  ErrorReason,
  errorReasonFromJSON,
  errorReasonToJSON,
} from '../gen/ts/flights/v1/common.js';
import type { Any } from '../gen/ts/google/protobuf/any.js';
import { BadRequest, ErrorInfo, RetryInfo } from '../gen/ts/google/rpc/error_details.js';
import { Status } from '../gen/ts/google/rpc/status.js';

export { ErrorReason };

export const ERROR_DOMAIN = 'flights.v1';
const DETAILS_KEY = 'grpc-status-details-bin';

export interface FieldViolation {
  /** Proto field path in snake_case, e.g. "items[0].seats". */
  field: string;
  description: string;
}

/**
 * A failure the domain expects and the caller can act on. It carries the gRPC code it maps to
 * and an ErrorInfo reason, so callers branch on the reason instead of parsing text.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: status,
    readonly reason: ErrorReason,
    message: string,
    readonly options: {
      violations?: FieldViolation[];
      metadata?: Record<string, string>;
      retryAfterMs?: number;
    } = {},
  ) {
    super(message);
  }
}

export function reasonName(reason: ErrorReason): string {
  return errorReasonToJSON(reason).replace(/^ERROR_REASON_/, '');
}

export const invalidArgument = (violations: FieldViolation[]) =>
  new DomainError(
    status.INVALID_ARGUMENT,
    ErrorReason.ERROR_REASON_INVALID_FIELD,
    violations.map((v) => `${v.field}: ${v.description}`).join('; '),
    { violations },
  );

export const invalidField = (field: string, description: string) =>
  invalidArgument([{ field, description }]);

export const notFound = (reason: ErrorReason, message: string, metadata?: Record<string, string>) =>
  new DomainError(status.NOT_FOUND, reason, message, { metadata });

export const failedPrecondition = (
  reason: ErrorReason,
  message: string,
  metadata?: Record<string, string>,
) => new DomainError(status.FAILED_PRECONDITION, reason, message, { metadata });

export const resourceExhausted = (
  reason: ErrorReason,
  message: string,
  metadata?: Record<string, string>,
) => new DomainError(status.RESOURCE_EXHAUSTED, reason, message, { metadata });

export const alreadyExists = (reason: ErrorReason, message: string) =>
  new DomainError(status.ALREADY_EXISTS, reason, message);

export const unavailable = (reason: ErrorReason, message: string, retryAfterMs = 1000) =>
  new DomainError(status.UNAVAILABLE, reason, message, { retryAfterMs });

function packAny(typeName: string, value: Uint8Array): Any {
  return { typeUrl: `type.googleapis.com/${typeName}`, value: Buffer.from(value) };
}

/** Turns a DomainError into a status with google.rpc details; anything else becomes INTERNAL. */
export function toStatusObject(err: unknown): StatusObject {
  if (!(err instanceof DomainError)) {
    return { code: status.INTERNAL, details: 'internal error', metadata: new Metadata() };
  }
  const details: Any[] = [
    packAny(
      'google.rpc.ErrorInfo',
      ErrorInfo.encode({
        reason: reasonName(err.reason),
        domain: ERROR_DOMAIN,
        metadata: err.options.metadata ?? {},
      }).finish(),
    ),
  ];
  if (err.options.violations?.length) {
    details.push(
      packAny(
        'google.rpc.BadRequest',
        BadRequest.encode({
          fieldViolations: err.options.violations.map((v) => ({ ...v, reason: '' })),
        }).finish(),
      ),
    );
  }
  if (err.options.retryAfterMs !== undefined) {
    const ms = err.options.retryAfterMs;
    details.push(
      packAny(
        'google.rpc.RetryInfo',
        RetryInfo.encode({
          retryDelay: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
        }).finish(),
      ),
    );
  }
  const metadata = new Metadata();
  metadata.set(
    DETAILS_KEY,
    Buffer.from(Status.encode({ code: err.code, message: err.message, details }).finish()),
  );
  return { code: err.code, details: err.message, metadata };
}

export interface ErrorDetails {
  code: status;
  message: string;
  /** ErrorInfo reason, e.g. "QUOTE_EXPIRED"; undefined when the error carried none. */
  reason?: string;
  metadata: Record<string, string>;
  fieldViolations: FieldViolation[];
  retryDelayMs?: number;
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/** Reads the google.rpc details of a gRPC error received by a client. */
export function errorDetails(err: unknown): ErrorDetails {
  if (!isServiceError(err)) {
    return { code: status.UNKNOWN, message: String(err), metadata: {}, fieldViolations: [] };
  }
  const out: ErrorDetails = {
    code: err.code,
    message: err.details,
    metadata: {},
    fieldViolations: [],
  };
  const raw = err.metadata?.get(DETAILS_KEY)[0];
  if (!raw || typeof raw === 'string') return out;
  for (const any of Status.decode(raw).details) {
    const type = any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
    if (type === 'google.rpc.ErrorInfo') {
      const info = ErrorInfo.decode(any.value);
      out.reason = info.reason;
      out.metadata = info.metadata;
    } else if (type === 'google.rpc.BadRequest') {
      out.fieldViolations = BadRequest.decode(any.value).fieldViolations.map((v) => ({
        field: v.field,
        description: v.description,
      }));
    } else if (type === 'google.rpc.RetryInfo') {
      const d = RetryInfo.decode(any.value).retryDelay;
      if (d) out.retryDelayMs = d.seconds * 1000 + Math.round(d.nanos / 1e6);
    }
  }
  return out;
}

/**
 * A peer's error, re-raised as ours with its code, reason and metadata: for failures the
 * caller should see unchanged (a flight that does not exist, seats that are sold out).
 */
export function relayed(err: unknown): DomainError {
  const d = errorDetails(err);
  const reason = d.reason
    ? errorReasonFromJSON(`ERROR_REASON_${d.reason}`)
    : ErrorReason.ERROR_REASON_UNSPECIFIED;
  return new DomainError(
    d.code,
    reason === ErrorReason.UNRECOGNIZED ? ErrorReason.ERROR_REASON_UNSPECIFIED : reason,
    d.message,
    {
      metadata: d.metadata,
      violations: d.fieldViolations.length ? d.fieldViolations : undefined,
      retryAfterMs: d.retryDelayMs,
    },
  );
}

/** Codes that say the peer could not answer (as opposed to answering "no"). */
const UNREACHABLE = new Set([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
  status.INTERNAL,
  status.UNKNOWN,
]);

/** True when a call failed because the peer was down, slow or broken, not because of the request. */
export function isUnreachable(err: unknown): boolean {
  return !isServiceError(err) || UNREACHABLE.has(err.code);
}
