import { describe, expect, it } from 'vitest';
import { fold, rankAirports, searchable } from './airport-search.js';
import type { Airport } from './reference-data.js';

const airport = (iata: string, city: string, name: string): Airport => ({
  iata,
  icao: null,
  name,
  city,
  country: '',
  latitude: 0,
  longitude: 0,
  timeZone: 'UTC',
});

describe('airport lookup', () => {
  it('folds case, accents, normalisation form, dashes and spaces away', () => {
    for (const typed of ['São Paulo', 'Sa\u0303o Paulo', 'SÃO  PAULO', ' sao paulo '])
      expect(fold(typed)).toBe('sao paulo');
    expect(fold('Zürich')).toBe(fold('ZU\u0308RICH'));
    expect(fold('Tromsø–Langnes')).toBe('tromso langnes');
    expect(fold('Łódź')).toBe('lodz');
    // Other scripts stay as they are: only marks and case go.
    expect(fold('Москва')).toBe('москва');
  });

  it('ranks the exact code first, then cities, then names, each by code', () => {
    const airports = [
      airport('AAA', 'Elsewhere', 'Parkway Field'), // name starts with "par"
      airport('BBB', 'Paramaribo', 'Zanderij'), // city starts with "par"
      airport('PAR', 'Nowhere', 'Central'), // the code itself
      airport('CCC', 'Somewhere', 'Old Paris Road'), // name contains "par"
      airport('DDD', 'Paris', 'Orly'), // city starts with "par"
      airport('EEE', 'Saint-Paris', 'Field'), // city contains "par"
      airport('FFF', 'Berlin', 'Tegel'), // no match
    ].map(searchable);
    expect(rankAirports(airports, 'PÄR').map((x) => [x.rank, x.airport.iata])).toEqual([
      [0, 'PAR'],
      [1, 'BBB'],
      [1, 'DDD'],
      [2, 'AAA'],
      [3, 'EEE'],
      [4, 'CCC'],
    ]);
    expect(rankAirports(airports, '')).toHaveLength(airports.length);
  });
});
