import { status } from '@grpc/grpc-js';
import { DomainError, isUnreachable, relayed } from './errors.js';

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

/**
 * A failed call to a peer, as this service answers it: a peer that could not answer (down,
 * slow, broken: see isUnreachable) becomes UNAVAILABLE with RetryInfo; a peer that answered
 * "no" (not found, sold out, expired) is relayed unchanged, code, reason and details.
 */
export function peerFailure(err: unknown, unreachable: Unreachable): DomainError {
  return isUnreachable(err) ? new PeerUnavailable(unreachable, err) : relayed(err);
}

/**
 * Awaits a call to a peer; its failure is translated by peerFailure, so what rejects is always
 * a DomainError: PeerUnavailable, or the peer's own answer (code, reason, details) relayed.
 */
export async function callPeer<T>(call: () => Promise<T>, unreachable: Unreachable): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw peerFailure(err, unreachable);
  }
}
