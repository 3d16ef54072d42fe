import { describe, expect, it } from 'vitest';
import { fromParams, toParams } from './query';

const base = 'origin=JFK&destination=LHR&date=2026-12-20';

describe('a search in the page URL', () => {
  it('takes the API’s defaults for what a link leaves out (one stop, not direct only)', () => {
    expect(fromParams(base)).toEqual({
      origin: 'JFK',
      destination: 'LHR',
      date: '2026-12-20',
      adults: 1,
      children: 0,
      infants: 0,
      cabin: 'economy',
      maxStops: 1,
    });
  });

  it('reads what a link gives, and round-trips through toParams', () => {
    const q = fromParams(`${base}&adults=2&children=1&infants=1&cabin=business&maxStops=0`)!;
    expect(q).toMatchObject({ adults: 2, children: 1, infants: 1, cabin: 'business', maxStops: 0 });
    expect(fromParams(toParams(q).toString())).toEqual(q);
  });

  it('falls back to the default for a value out of range or not a whole number', () => {
    const q = fromParams(`${base}&adults=0&children=x&infants=1.5&maxStops=7&cabin=gold`)!;
    expect(q).toMatchObject({ adults: 1, children: 0, infants: 0, maxStops: 1, cabin: 'economy' });
    expect(fromParams(`${base}&maxStops=`)!.maxStops).toBe(1);
    expect(fromParams(`${base}&cabin=BUSINESS`)!.cabin).toBe('business');
  });

  it('names no search without its origin, destination and date', () => {
    expect(fromParams('origin=JFK&destination=LHR')).toBeUndefined();
  });
});
