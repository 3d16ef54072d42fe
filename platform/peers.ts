import { isUnreachable, relayed, DomainError } from './errors.js';
import { status } from '@grpc/grpc-js';

export interface Unreachable {
  /** ErrorInfo reason of "a service this one needs could not answer", from the mesh's vocabulary. */
  reason: string;
  /** What the caller is told, e.g. "pricing is unavailable; nothing was booked, try again". */
  message: string;
  /** RetryInfo: how long the caller should wait before trying again, in ms (default 1000). */
  retryAfterMs?: number;
}

/**
 * A failed call to a peer, as this service answers it: a peer that could not answer (down,
 * slow, broken: see isUnreachable) becomes UNAVAILABLE with RetryInfo; a peer that answered
 * "no" (not found, sold out, expired) is relayed unchanged, code, reason and details.
 */
export function peerFailure(err: unknown, unreachable: Unreachable): DomainError {
  if (!isUnreachable(err)) return relayed(err);
  return new DomainError(status.UNAVAILABLE, unreachable.reason, unreachable.message, {
    retryAfterMs: unreachable.retryAfterMs ?? 1000,
  });
}

/** Awaits a call to a peer; its failure is translated by peerFailure. */
export async function callPeer<T>(call: () => Promise<T>, unreachable: Unreachable): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw peerFailure(err, unreachable);
  }
}
