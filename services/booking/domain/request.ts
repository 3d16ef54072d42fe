import { createHash } from 'node:crypto';

/**
 * What makes two CreateBooking requests the same request: a retry under one idempotency key
 * must match it (otherwise IDEMPOTENCY_CONFLICT). The e-mail address is compared without case.
 * A sha256 hex digest.
 */
export function requestFingerprint(
  quoteId: string,
  passengers: unknown[],
  contactEmail: string,
): string {
  return createHash('sha256')
    .update(JSON.stringify([quoteId, passengers, contactEmail.toLowerCase()]))
    .digest('hex');
}
