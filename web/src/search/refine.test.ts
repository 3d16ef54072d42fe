import { describe, expect, it } from 'vitest';
import type { Itinerary } from '../api/types';
import { carriersOf, NO_FILTERS, refine } from './refine';

function itinerary(
  id: string,
  o: { price: number; minutes: number; departs: string; carriers: string[] },
): Itinerary {
  const departure = `2026-12-03T${o.departs}:00-05:00`;
  return {
    id,
    segments: o.carriers.map((carrier, i) => ({
      flightId: `${carrier}${i}-2026-12-03`,
      flightNumber: `${carrier}${i}`,
      carrier,
      origin: i ? 'DUB' : 'JFK',
      destination: i === o.carriers.length - 1 ? 'LHR' : 'DUB',
      departure,
      arrival: departure,
      durationMinutes: o.minutes,
      distanceKm: 5000,
      aircraft: '77W',
    })),
    departure,
    arrival: departure,
    durationMinutes: o.minutes,
    stops: o.carriers.length - 1,
    price: { total: { amount: o.price, currency: 'USD' }, fareBuckets: [], lines: [] },
    priceStatus: 'priced',
  };
}

const its = [
  itinerary('a', { price: 500, minutes: 600, departs: '18:00', carriers: ['EI', 'EI'] }),
  itinerary('b', { price: 700, minutes: 420, departs: '08:25', carriers: ['BA'] }),
  itinerary('c', { price: 500, minutes: 480, departs: '21:10', carriers: ['AA', 'BA'] }),
  {
    ...itinerary('d', { price: 0, minutes: 400, departs: '06:00', carriers: ['VS'] }),
    price: null,
  },
];
const ids = (list: Itinerary[]) => list.map((i) => i.id);

describe('sorting and filtering in the page', () => {
  it('sorts by price (then duration), duration (then price) or departure; unpriced last by price', () => {
    expect(ids(refine(its, 'price', NO_FILTERS))).toEqual(['c', 'a', 'b', 'd']);
    expect(ids(refine(its, 'duration', NO_FILTERS))).toEqual(['d', 'b', 'c', 'a']);
    expect(ids(refine(its, 'departure', NO_FILTERS))).toEqual(['d', 'b', 'a', 'c']);
  });

  it('filters by stops, by carriers (every segment), and by the local departure window', () => {
    expect(ids(refine(its, 'price', { ...NO_FILTERS, stops: [0] }))).toEqual(['b', 'd']);
    expect(ids(refine(its, 'price', { ...NO_FILTERS, carriers: ['BA'] }))).toEqual(['b']);
    expect(ids(refine(its, 'price', { ...NO_FILTERS, carriers: ['BA', 'AA'] }))).toEqual([
      'c',
      'b',
    ]);
    expect(
      ids(refine(its, 'departure', { ...NO_FILTERS, departFrom: '08:00', departTo: '19:00' })),
    ).toEqual(['b', 'a']);
  });

  it('lists each carrier once, sorted', () => {
    expect(carriersOf(its)).toEqual(['AA', 'BA', 'EI', 'VS']);
  });
});
