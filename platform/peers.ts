import { status } from '@grpc/grpc-js';
import { DomainError, isServiceError, isUnreachable, relayed } from './errors.js';

export interface Unreachable {
  /** ErrorInfo reason of "a service this one needs could not answer", from the mesh's vocabulary. */
  reason: string;
  /** What the caller is told, e.g. "pricing is unavailable; nothing was booked, try again". */
  message: string;
  /** RetryInfo: how long the caller should wait before trying again, in ms (default 1000). */
  retryAfterMs?: number;
}

/** A peer could not answer: UNAVAILABLE with RetryInfo, the reason and message given. */
export class PeerUnavailable extends DomainError {
  override name = 'PeerUnavailable';
  constructor(unreachable: Unreachable, cause: unknown) {
    super(status.UNAVAILABLE, unreachable.reason, unreachable.message, {
      retryAfterMs: unreachable.retryAfterMs ?? 1000,
    });
    this.cause = cause;
  }
}

/** The call a peer call was made for: its deadline and its signal (a CallContext is one). */
export interface ParentCall {
  signal: AbortSignal;
  deadline?: Date | undefined;
}

/**
 * A peer's DEADLINE_EXCEEDED or CANCELLED that is the caller's doing: the parent call's own
 * deadline passed (its budget was shorter than this service's deadline for the peer), or its
 * client went away. The peer was not at fault.
 */
function callerOutOfTime(err: unknown, parent: ParentCall | undefined): boolean {
  if (!parent || !isServiceError(err)) return false;
  if (err.code !== status.DEADLINE_EXCEEDED && err.code !== status.CANCELLED) return false;
  return parent.signal.aborted || (parent.deadline?.getTime() ?? Infinity) <= Date.now();
}

/**
 * A failed call to a peer, as this service answers it: a peer that could not answer (down,
 * slow, broken: see isUnreachable) becomes UNAVAILABLE with RetryInfo; a peer that answered
 * "no" (not found, sold out, expired) is relayed unchanged, code, reason and details. When the
 * peer ran out of the caller's own time (`parent`), it is DEADLINE_EXCEEDED: the peer is not
 * "unavailable" because the caller asked for an answer sooner than it could come.
 */
export function peerFailure(
  err: unknown,
  unreachable: Unreachable,
  parent?: ParentCall,
): DomainError {
  if (callerOutOfTime(err, parent))
    return new DomainError(
      status.DEADLINE_EXCEEDED,
      undefined,
      'the deadline of this call passed while a service behind it was still answering',
    );
  return isUnreachable(err) ? new PeerUnavailable(unreachable, err) : relayed(err);
}

/**
 * Awaits a call to a peer; its failure is translated by peerFailure, so what rejects is always
 * a DomainError: PeerUnavailable, DEADLINE_EXCEEDED of the `parent` call's own time, or the
 * peer's own answer (code, reason, details) relayed.
 */
export async function callPeer<T>(
  call: () => Promise<T>,
  unreachable: Unreachable,
  parent?: ParentCall,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw peerFailure(err, unreachable, parent);
  }
}
