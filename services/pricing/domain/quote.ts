import { createHash } from 'node:crypto';
import type { PassengerMix } from './fare-model.js';

/**
 * What makes two CreateQuote requests the same request: a retry under one request_id must
 * match it (otherwise IDEMPOTENCY_CONFLICT). A sha256 hex digest.
 */
export function requestFingerprint(
  flightIds: string[],
  passengers: PassengerMix,
  cabin: number,
): string {
  return createHash('sha256')
    .update(JSON.stringify([flightIds, passengers, cabin]))
    .digest('hex');
}

/** A quote's price is guaranteed until `ttlSeconds` after it was made. */
export const guaranteedUntil = (createdAt: Date, ttlSeconds: number): Date =>
  new Date(createdAt.getTime() + ttlSeconds * 1000);

export const isExpired = (expiresAt: Date, now: Date): boolean => now >= expiresAt;
