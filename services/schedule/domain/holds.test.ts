import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CABIN_CODES } from '../../../flights/codes.js';
import {
  canonicalItems,
  confirmOutcome,
  confirmTransition,
  holdExpiry,
  releaseTransition,
  returnTransition,
  sameItems,
  type HoldItem,
  type HoldRecord,
  type HoldStatus,
} from './holds.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const item = fc.record({
  flightId: fc.constantFrom('BA117-2026-12-01', 'AA100-2026-12-01', 'LH400-2026-12-02'),
  cabin: fc.constantFrom(...CABIN_CODES),
  seats: fc.integer({ min: 1, max: 9 }),
});
const items = fc.uniqueArray(item, {
  selector: (i) => `${i.flightId}/${i.cabin}`,
  minLength: 1,
  maxLength: 8,
});

function hold(status: HoldStatus, expiresAt = holdExpiry(NOW, 600)): HoldRecord {
  return {
    holdId: 'h1',
    status,
    items: [{ flightId: 'BA117-2026-12-01', cabin: 'economy', seats: 2 }],
    createdAt: NOW,
    expiresAt,
  };
}

describe('hold items', () => {
  it('have one canonical order whatever order they come in', () => {
    fc.assert(
      fc.property(items, (list) => {
        const ordered = canonicalItems(list);
        expect(canonicalItems([...list].reverse())).toEqual(ordered);
        for (let i = 1; i < ordered.length; i++) {
          const [a, b] = [ordered[i - 1]!, ordered[i]!];
          expect(`${a.flightId}/${a.cabin}` < `${b.flightId}/${b.cabin}`).toBe(true);
        }
      }),
    );
  });

  it('are the same in any order, and differ when a seat count, cabin or flight differs', () => {
    fc.assert(
      fc.property(items, (list) => {
        expect(sameItems(list, [...list].reverse())).toBe(true);
        const [first, ...rest] = list as [HoldItem, ...HoldItem[]];
        expect(sameItems(list, [{ ...first, seats: first.seats + 1 }, ...rest])).toBe(false);
        expect(sameItems(list, rest)).toBe(false);
      }),
    );
  });
});

describe('hold lifecycle', () => {
  it('confirms a live hold by selling its seats', () => {
    expect(confirmTransition(hold('HELD'), NOW)).toEqual({ to: 'CONFIRMED', move: 'confirm' });
    expect(confirmOutcome(hold('CONFIRMED'))).toEqual({ ok: true, value: hold('CONFIRMED') });
  });

  it('expires a hold past its time instead of confirming it, and reports it expired', () => {
    const due = hold('HELD', NOW);
    expect(confirmTransition(due, NOW)).toEqual({ to: 'EXPIRED', move: 'release' });
    expect(confirmOutcome({ ...due, status: 'EXPIRED' })).toEqual({
      ok: false,
      failure: { kind: 'hold-expired', holdId: 'h1', expiresAt: NOW },
    });
  });

  it('leaves a hold that is no longer HELD as it is when confirmed; only CONFIRMED succeeds', () => {
    for (const status of ['CONFIRMED', 'RELEASED', 'EXPIRED', 'RETURNED'] as const) {
      expect(confirmTransition(hold(status), NOW)).toBeNull();
    }
    for (const status of ['RELEASED', 'RETURNED'] as const) {
      expect(confirmOutcome(hold(status))).toEqual({
        ok: false,
        failure: { kind: 'hold-state-conflict', holdId: 'h1', status, wanted: 'confirm' },
      });
    }
  });

  it('releases a HELD hold once, accepts releasing it again, and refuses a confirmed one', () => {
    expect(releaseTransition(hold('HELD'))).toEqual({
      ok: true,
      value: { to: 'RELEASED', move: 'release' },
    });
    for (const status of ['RELEASED', 'EXPIRED', 'RETURNED'] as const) {
      expect(releaseTransition(hold(status))).toEqual({ ok: true, value: null });
    }
    expect(releaseTransition(hold('CONFIRMED'))).toEqual({
      ok: false,
      failure: {
        kind: 'hold-state-conflict',
        holdId: 'h1',
        status: 'CONFIRMED',
        wanted: 'release',
      },
    });
  });

  it('returns sold seats of a confirmed hold, frees held ones, and does nothing twice', () => {
    expect(returnTransition(hold('CONFIRMED'))).toEqual({ to: 'RETURNED', move: 'return' });
    expect(returnTransition(hold('HELD'))).toEqual({ to: 'RELEASED', move: 'release' });
    for (const status of ['RELEASED', 'EXPIRED', 'RETURNED'] as const) {
      expect(returnTransition(hold(status))).toBeNull();
    }
  });

  it('runs out ttlSeconds after it was taken', () => {
    expect(holdExpiry(NOW, 600).toISOString()).toBe('2026-12-01T12:10:00.000Z');
  });
});
