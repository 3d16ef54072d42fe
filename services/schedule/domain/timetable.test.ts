import { describe, expect, it } from 'vitest';
import { datedFlightFor, datedFlights, parseFlightId } from './dated-flights.js';
import { loadReferenceData } from './reference-data.js';
import { generateTimetable, type FlightPattern } from './timetable.js';

const ref = loadReferenceData();
const options = { seed: 1, size: 'small' as const, effectiveFrom: '2026-12-01' };

function pattern(overrides: Partial<FlightPattern>): FlightPattern {
  return {
    carrier: 'ZZ',
    flightNumber: 1,
    origin: 'LHR',
    destination: 'JFK',
    departureLocalTime: '12:00',
    blockMinutes: 480,
    daysOfWeek: [1, 2, 3, 4, 5, 6, 7],
    effectiveFrom: '2026-01-01',
    effectiveTo: '2027-12-31',
    aircraft: '77W',
    distanceKm: 5540,
    cabins: { economy: 270, premium_economy: 24, business: 42, first: 8 },
    ...overrides,
  };
}

describe('reference data', () => {
  it('keeps real airports with their IANA zones and real routes', () => {
    expect(ref.airports.get('LHR')).toMatchObject({ city: 'London', timeZone: 'Europe/London' });
    expect(ref.airports.get('NRT')?.timeZone).toBe('Asia/Tokyo');
    expect(ref.carriers.get('BA')?.name).toBe('British Airways');
    expect(
      ref.routes.some((r) => r.carrier === 'BA' && r.origin === 'LHR' && r.destination === 'JFK'),
    ).toBe(true);
  });

  it('gives every airport of the snapshot an IANA zone, from its tz column or its coordinates', () => {
    expect(ref.airports.size).toBeGreaterThan(5000);
    for (const a of ref.airports.values()) {
      // Intl takes IANA names (and links to them), not offsets such as "UTC+3:00".
      expect(() => new Intl.DateTimeFormat('en', { timeZone: a.timeZone }), a.iata).not.toThrow();
      expect(a.timeZone, a.iata).toMatch(/^(UTC|[A-Z][A-Za-z_-]+(\/[A-Za-z0-9_+-]+)+)$/);
    }
    // The snapshot has no tz for these two: their coordinates name it.
    expect(ref.airports.get('DOH')?.timeZone).toBe('Asia/Qatar');
    expect(ref.airports.get('IST')?.timeZone).toBe('Europe/Istanbul');
    // Tahiti's own zone, not Honolulu's, which has agreed with it since 1970.
    expect(ref.airports.get('PPT')?.timeZone).toBe('Pacific/Tahiti');
    // A link (an old name ICU does not list as canonical) in the tz column is kept as written.
    expect(ref.airports.get('JON')?.timeZone).toBe('Pacific/Johnston');
    expect(Intl.supportedValuesOf('timeZone')).not.toContain('Pacific/Johnston');
  });
});

describe('timetable generation', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateTimetable(ref, options);
    expect(generateTimetable(ref, options)).toEqual(a);
    const b = generateTimetable(ref, { ...options, seed: 2 });
    expect(b.map((p) => p.departureLocalTime)).not.toEqual(a.map((p) => p.departureLocalTime));
  });

  it('gives the small network the major hub pairs in both directions', () => {
    const flights = [
      ...datedFlights(generateTimetable(ref, options), ref, {
        fromDate: '2026-12-07',
        toDate: '2026-12-07',
      }),
    ];
    for (const [o, d] of [
      ['JFK', 'LHR'],
      ['LHR', 'JFK'],
      ['FRA', 'SIN'],
      ['CDG', 'NRT'],
      ['NRT', 'CDG'],
    ]) {
      expect(
        flights.filter((f) => f.origin === o && f.destination === d).length,
        `${o}-${d}`,
      ).toBeGreaterThan(0);
    }
  });

  it('makes a world-size schedule of at least 50,000 flights a day over 3,000 airports', () => {
    const world = generateTimetable(ref, { ...options, size: 'world' });
    const week = [...datedFlights(world, ref, { fromDate: '2026-12-07', toDate: '2026-12-13' })];
    expect(week.length / 7).toBeGreaterThanOrEqual(50_000);
    expect(new Set(week.flatMap((f) => [f.origin, f.destination])).size).toBeGreaterThanOrEqual(
      3000,
    );
  });

  it('gives every pattern a plausible block time, unique flight numbers and seats', () => {
    const patterns = generateTimetable(ref, options);
    const numbers = new Set(patterns.map((p) => `${p.carrier}${p.flightNumber}`));
    expect(numbers.size).toBe(patterns.length);
    for (const p of patterns) {
      expect(p.blockMinutes).toBeGreaterThanOrEqual(30 + (p.distanceKm / 1000) * 60);
      expect(p.cabins.economy).toBeGreaterThan(0);
      expect(p.departureLocalTime).toMatch(/^(0[6-9]|1\d|2[0-2]):[0-5][05]$/);
    }
  });
});

describe('dated flights', () => {
  it('puts arrival in the destination zone, the day before when crossing the date line east', () => {
    // Auckland (UTC+13 in December) to Honolulu (UTC-10): arrives "yesterday".
    const f = datedFlightFor(
      pattern({
        origin: 'AKL',
        destination: 'HNL',
        departureLocalTime: '08:00',
        blockMinutes: 540,
      }),
      ref,
      '2026-12-01',
    )!;
    expect(f.departureLocal).toBe('2026-12-01T08:00:00+13:00');
    expect(f.arrivalLocal).toBe('2026-11-30T18:00:00-10:00');
    expect(f.arrivalDate).toBe('2026-11-30');
    expect(f.arrivalUtc.getTime() - f.departureUtc.getTime()).toBe(540 * 60_000);
  });

  it('handles overnight flights crossing the date line west', () => {
    const f = datedFlightFor(
      pattern({
        origin: 'LAX',
        destination: 'SYD',
        departureLocalTime: '22:30',
        blockMinutes: 900,
      }),
      ref,
      '2026-12-01',
    )!;
    expect(f.departureLocal).toBe('2026-12-01T22:30:00-08:00');
    expect(f.arrivalLocal).toBe('2026-12-03T08:30:00+11:00');
  });

  it('follows daylight saving time at each end', () => {
    const before = datedFlightFor(pattern({}), ref, '2027-03-27')!;
    const after = datedFlightFor(pattern({}), ref, '2027-03-28')!;
    expect(before.departureLocal).toBe('2027-03-27T12:00:00+00:00');
    expect(after.departureLocal).toBe('2027-03-28T12:00:00+01:00');
    // New York moved to EDT on 14 March: same block time, offsets from the rules in force.
    expect(before.arrivalLocal).toBe('2027-03-27T16:00:00-04:00');
    expect(after.arrivalLocal).toBe('2027-03-28T15:00:00-04:00');
  });

  it('moves a departure inside the spring-forward gap forward by the gap', () => {
    const f = datedFlightFor(pattern({ departureLocalTime: '01:30' }), ref, '2027-03-28')!;
    expect(f.departureLocal).toBe('2027-03-28T02:30:00+01:00');
  });

  it('operates only on the pattern days and period', () => {
    const weekdays = pattern({ daysOfWeek: [1, 2, 3, 4, 5] });
    expect(datedFlightFor(weekdays, ref, '2026-12-05')).toBeNull(); // a Saturday
    expect(datedFlightFor(weekdays, ref, '2026-12-07')?.flightId).toBe('ZZ1-2026-12-07');
    expect(datedFlightFor(pattern({ effectiveTo: '2026-12-06' }), ref, '2026-12-07')).toBeNull();
  });

  it('parses flight ids and rejects malformed ones', () => {
    expect(parseFlightId('BA117-2026-12-01')).toEqual({
      carrier: 'BA',
      flightNumber: 117,
      departureDate: '2026-12-01',
    });
    expect(parseFlightId('2B410-2026-12-01')?.carrier).toBe('2B');
    for (const bad of [
      'BA117',
      'BA-2026-12-01',
      'BA117-2026-13-01',
      'ba117-2026-12-01',
      'BA12345-2026-12-01',
    ]) {
      expect(parseFlightId(bad), bad).toBeNull();
    }
  });
});
