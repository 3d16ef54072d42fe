import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CabinCode } from '../../../flights/codes.js';
import { CABIN_PERCENT, priceItinerary, type SegmentFacts } from './fare-model.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const cabin = fc.constantFrom(...(Object.keys(CABIN_PERCENT) as CabinCode[]));
const segment: fc.Arbitrary<SegmentFacts> = fc.record({
  distanceKm: fc.integer({ min: 50, max: 16_000 }),
  loadFactor: fc.double({ min: 0, max: 1, noNaN: true }),
  departure: fc
    .integer({ min: 0, max: 400 * 24 })
    .map((h) => new Date(NOW.getTime() + h * 3_600_000)),
});
const segments = fc.array(segment, { minLength: 1, maxLength: 3 });
const passengers = fc
  .record({
    adults: fc.integer({ min: 1, max: 9 }),
    children: fc.integer({ min: 0, max: 8 }),
    infants: fc.integer({ min: 0, max: 9 }),
  })
  .filter((p) => p.adults + p.children <= 9 && p.infants <= p.adults);

describe('fare model', () => {
  it('gives a total equal to the sum of a breakdown of non-negative integer amounts', () => {
    fc.assert(
      fc.property(segments, cabin, passengers, (segs, c, p) => {
        const price = priceItinerary({ segments: segs, cabin: c, passengers: p, now: NOW });
        expect(price.total).toBe(price.lines.reduce((s, l) => s + l.amount, 0));
        for (const l of price.lines) {
          expect(Number.isInteger(l.amount) && Number.isInteger(l.unitAmount)).toBe(true);
          expect(l.amount).toBe(l.unitAmount * l.quantity);
          expect(l.amount).toBeGreaterThanOrEqual(0);
        }
        expect(price.total).toBeGreaterThan(0);
        expect(price.fareBuckets).toHaveLength(segs.length);
      }),
    );
  });

  it('never gets cheaper as a flight fills', () => {
    fc.assert(
      fc.property(
        segment,
        fc.double({ min: 0, max: 1, noNaN: true }),
        cabin,
        passengers,
        (s, other, c, p) => {
          const [lo, hi] = [Math.min(s.loadFactor, other), Math.max(s.loadFactor, other)];
          const at = (loadFactor: number) =>
            priceItinerary({ segments: [{ ...s, loadFactor }], cabin: c, passengers: p, now: NOW })
              .total;
          expect(at(hi)).toBeGreaterThanOrEqual(at(lo));
        },
      ),
    );
  });

  it('charges a child no more than an adult and an infant no more than a child', () => {
    fc.assert(
      fc.property(segments, cabin, (segs, c) => {
        const unit = (kind: 'adult' | 'child' | 'infant') =>
          priceItinerary({
            segments: segs,
            cabin: c,
            passengers: { adults: 1, children: 1, infants: 1 },
            now: NOW,
          })
            .lines.filter((l) => l.passenger === kind)
            .reduce((s, l) => s + l.unitAmount, 0);
        expect(unit('child')).toBeLessThanOrEqual(unit('adult'));
        expect(unit('infant')).toBeLessThanOrEqual(unit('child'));
      }),
    );
  });

  it('prices a multi-segment itinerary as the sum of its segments plus one service fee', () => {
    fc.assert(
      fc.property(segments, cabin, passengers, (segs, c, p) => {
        const whole = priceItinerary({ segments: segs, cabin: c, passengers: p, now: NOW }).total;
        const parts = segs.map(
          (s) => priceItinerary({ segments: [s], cabin: c, passengers: p, now: NOW }).total - 500,
        );
        expect(whole).toBe(parts.reduce((a, b) => a + b, 0) + 500);
      }),
    );
  });

  it('matches the worked example in the README', () => {
    // JFK–LHR 5,540 km, economy, 40 % full (bucket L), 30 days ahead, 1 adult.
    const price = priceItinerary({
      segments: [
        { distanceKm: 5540, loadFactor: 0.4, departure: new Date(NOW.getTime() + 30 * 86_400_000) },
      ],
      cabin: 'economy',
      passengers: { adults: 1, children: 0, infants: 0 },
      now: NOW,
    });
    // (4,900 + 9 × 5,540) × 1.00 × 0.85 × 1.00 = 46,546 fare; 7.5 % tax 3,490.95 → 3,491;
    // departure charge 2,500; service fee 500.
    expect(price.lines.map((l) => [l.code, l.amount])).toEqual([
      ['FARE', 46_546],
      ['VAT', 3_491],
      ['DEP', 2_500],
      ['SVC', 500],
    ]);
    expect(price.total).toBe(53_037);
    expect(price.fareBuckets).toEqual(['L']);
  });
});
