import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import type { Any } from '../gen/ts/google/protobuf/any.js';
import { BadRequest, ErrorInfo, RetryInfo } from '../gen/ts/google/rpc/error_details.js';
import { Status } from '../gen/ts/google/rpc/status.js';

const DETAILS_KEY = 'grpc-status-details-bin';

export interface FieldViolation {
  /** Proto field path in snake_case, e.g. "items[0].seats". */
  field: string;
  description: string;
}

/**
 * The words a mesh's errors are spelled in, given by the mesh (the runtime knows none):
 * google.rpc.ErrorInfo needs a domain, and errors the runtime raises itself need a reason.
 */
export interface ErrorVocabulary {
  /** ErrorInfo.domain of every error a service answers with, e.g. "example.v1". */
  domain: string;
  /** ErrorInfo.reason of bad input found by validate() (INVALID_ARGUMENT). */
  invalidArgument: string;
  /** ErrorInfo.reason of an error that names none (e.g. a relayed peer error without one). */
  unspecified: string;
  /**
   * ErrorInfo.reason of a call the client factory refused without sending it, because the
   * dependency is known to be unavailable (its circuit breaker is open, its bulkhead is full).
   */
  dependencyUnavailable: string;
}

/** For a server outside any mesh (tests, tools): reasons named after the gRPC codes. */
export const GENERIC_ERRORS: ErrorVocabulary = {
  domain: 'grpc',
  invalidArgument: 'INVALID_ARGUMENT',
  unspecified: 'UNSPECIFIED',
  dependencyUnavailable: 'UNAVAILABLE',
};

/**
 * A failure the domain expects and the caller can act on. It carries the gRPC code it maps to
 * and an ErrorInfo reason (e.g. "QUOTE_EXPIRED"), so callers branch on the reason instead of
 * parsing text. No reason: the vocabulary's default for the code (see toStatusObject).
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: status,
    readonly reason: string | undefined,
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

/** Bad input: INVALID_ARGUMENT with one BadRequest violation per field. */
export const invalidArgument = (violations: FieldViolation[]) =>
  new DomainError(
    status.INVALID_ARGUMENT,
    undefined,
    violations.map((v) => `${v.field}: ${v.description}`).join('; '),
    { violations },
  );

export const invalidField = (field: string, description: string) =>
  invalidArgument([{ field, description }]);

function packAny(typeName: string, value: Uint8Array): Any {
  return { typeUrl: `type.googleapis.com/${typeName}`, value: Buffer.from(value) };
}

/** The ErrorInfo reason an error goes out with. */
function reasonOf(err: DomainError, vocabulary: ErrorVocabulary): string {
  if (err.reason) return err.reason;
  if (err.code === status.INVALID_ARGUMENT) return vocabulary.invalidArgument;
  // Something this service needs could not answer (its store, say): the mesh's word for it.
  if (err.code === status.UNAVAILABLE) return vocabulary.dependencyUnavailable;
  return vocabulary.unspecified;
}

/**
 * Turns a DomainError into a status with google.rpc details (ErrorInfo in the vocabulary's
 * domain, BadRequest, RetryInfo); anything else becomes INTERNAL "internal error".
 */
export function toStatusObject(err: unknown, vocabulary: ErrorVocabulary): StatusObject {
  if (!(err instanceof DomainError)) {
    return { code: status.INTERNAL, details: 'internal error', metadata: new Metadata() };
  }
  const details: Any[] = [
    packAny(
      'google.rpc.ErrorInfo',
      ErrorInfo.encode({
        reason: reasonOf(err, vocabulary),
        domain: vocabulary.domain,
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
  // UNAVAILABLE answered by a running service is about what is behind it (a peer down, a breaker
  // open), not about this instance: tell the caller's channel not to retry it on its own (gRPC's
  // server pushback; its RetryInfo says when to try again). Each hop retried such an answer up
  // to 4 times, retries multiplied along the chain (BFF → pricing → schedule), and with schedule
  // down a quote used its whole deadline: 504 after 3 s instead of a prompt 503 + Retry-After.
  // An instance that is down or stopping still gets the channel's retries (that UNAVAILABLE
  // comes from the transport, not from here).
  if (err.code === status.UNAVAILABLE) metadata.set('grpc-retry-pushback-ms', '-1');
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
  return new DomainError(d.code, d.reason, d.message, {
    metadata: d.metadata,
    violations: d.fieldViolations.length ? d.fieldViolations : undefined,
    retryAfterMs: d.retryDelayMs,
  });
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
