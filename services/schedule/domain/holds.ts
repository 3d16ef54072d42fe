import type { CabinCode } from '../../../flights/codes.js';
import { failed, succeeded, type Outcome } from './outcome.js';

/**
 * A seat hold's life: HELD until confirmed (CONFIRMED), released by its owner (RELEASED) or
 * timed out (EXPIRED); a confirmed hold whose seats are given back is RETURNED.
 */
export type HoldStatus = 'HELD' | 'CONFIRMED' | 'RELEASED' | 'EXPIRED' | 'RETURNED';

export interface HoldItem {
  flightId: string;
  cabin: CabinCode;
  seats: number;
}

export interface HoldRecord {
  holdId: string;
  status: HoldStatus;
  items: HoldItem[];
  createdAt: Date;
  expiresAt: Date;
}

/** How a change of a hold's status moves its seats: held → free, held → sold, sold → free. */
export type SeatMove = 'release' | 'confirm' | 'return';

/** A change of a hold's status and the seat move that goes with it. */
export interface HoldTransition {
  to: HoldStatus;
  move: SeatMove;
}

/** What a caller may get wrong about a hold, each with what it needs to say so. */
export type HoldFailure =
  | { kind: 'hold-not-found'; holdId: string }
  | { kind: 'idempotency-conflict'; holdId: string }
  | { kind: 'sold-out'; flightId: string; cabin: CabinCode; available: number; requested: number }
  | { kind: 'hold-expired'; holdId: string; expiresAt: Date }
  | {
      kind: 'hold-state-conflict';
      holdId: string;
      status: HoldStatus;
      /**
       * What the caller tried: confirm a hold that is not HELD, release a confirmed one, or hold
       * seats under the id of a hold that was released (compensation came first: see HoldStore).
       */
      wanted: 'confirm' | 'release' | 'hold';
    };

const byKey = (a: HoldItem, b: HoldItem) =>
  a.flightId === b.flightId ? a.cabin.localeCompare(b.cabin) : a.flightId.localeCompare(b.flightId);

/** Items in one canonical order: rows are always locked in this order, so holds cannot deadlock. */
export function canonicalItems(items: HoldItem[]): HoldItem[] {
  return [...items].sort(byKey);
}

/** True when both lists hold the same seats on the same flights and cabins, in any order. */
export function sameItems(a: HoldItem[], b: HoldItem[]): boolean {
  if (a.length !== b.length) return false;
  const left = canonicalItems(a);
  const right = canonicalItems(b);
  return left.every((x, i) => {
    const y = right[i]!;
    return x.flightId === y.flightId && x.cabin === y.cabin && x.seats === y.seats;
  });
}

/** When a hold taken at `now` for `ttlSeconds` runs out. */
export const holdExpiry = (now: Date, ttlSeconds: number): Date =>
  new Date(now.getTime() + ttlSeconds * 1000);

/** A HELD hold whose time has run out at `now` (the sweeper may not have expired it yet). */
export const isDue = (hold: HoldRecord, now: Date): boolean =>
  hold.status === 'HELD' && hold.expiresAt <= now;

/** Timing out: the held seats go back. */
export const EXPIRE: HoldTransition = { to: 'EXPIRED', move: 'release' };

/**
 * Confirming at `now`: a live HELD hold sells its seats; a HELD hold past its time expires
 * instead (its seats must go back even though the confirmation fails); any other status stays.
 */
export function confirmTransition(hold: HoldRecord, now: Date): HoldTransition | null {
  if (isDue(hold, now)) return EXPIRE;
  if (hold.status === 'HELD') return { to: 'CONFIRMED', move: 'confirm' };
  return null;
}

/** Whether a hold, after a confirmation was applied, counts as confirmed or why not. */
export function confirmOutcome(hold: HoldRecord): Outcome<HoldRecord, HoldFailure> {
  if (hold.status === 'CONFIRMED') return succeeded(hold);
  if (hold.status === 'EXPIRED') {
    return failed({ kind: 'hold-expired', holdId: hold.holdId, expiresAt: hold.expiresAt });
  }
  return failed({
    kind: 'hold-state-conflict',
    holdId: hold.holdId,
    status: hold.status,
    wanted: 'confirm',
  });
}

/**
 * Releasing an unconfirmed hold: HELD gives its seats back; released, expired or returned holds
 * stay as they are (releasing twice is fine); a confirmed hold is a conflict (ReleaseSeats
 * gives sold seats back).
 */
export function releaseTransition(hold: HoldRecord): Outcome<HoldTransition | null, HoldFailure> {
  if (hold.status === 'CONFIRMED') {
    return failed({
      kind: 'hold-state-conflict',
      holdId: hold.holdId,
      status: hold.status,
      wanted: 'release',
    });
  }
  return succeeded(hold.status === 'HELD' ? { to: 'RELEASED', move: 'release' } : null);
}

/**
 * A hold id that was released before any hold was made under it (ReleaseSeats arrived first):
 * a RELEASED hold without items. It stays, so that the hold, arriving late, is refused.
 */
export const isTombstone = (hold: HoldRecord): boolean =>
  hold.status === 'RELEASED' && hold.items.length === 0;

/**
 * What a HoldSeats that finds its hold id taken answers: the hold as it is when the items are the
 * same (a retry), a state conflict when the id was released before the hold arrived, an
 * idempotency conflict when the items differ.
 */
export function existingHoldOutcome(
  existing: HoldRecord,
  items: HoldItem[],
): Outcome<HoldRecord, HoldFailure> {
  if (isTombstone(existing))
    return failed({
      kind: 'hold-state-conflict',
      holdId: existing.holdId,
      status: existing.status,
      wanted: 'hold',
    });
  return sameItems(existing.items, items)
    ? succeeded(existing)
    : failed({ kind: 'idempotency-conflict', holdId: existing.holdId });
}

/** Giving back whatever seats a hold still has: sold ones (RETURNED) or held ones (RELEASED). */
export function returnTransition(hold: HoldRecord): HoldTransition | null {
  if (hold.status === 'CONFIRMED') return { to: 'RETURNED', move: 'return' };
  if (hold.status === 'HELD') return { to: 'RELEASED', move: 'release' };
  return null;
}
