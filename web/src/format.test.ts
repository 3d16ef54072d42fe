import { describe, expect, it } from 'vitest';
import type { Segment } from './api/types';
import {
  dayOffset,
  formatCountdown,
  formatDuration,
  formatMoney,
  layovers,
  localTime,
  zoneLabel,
} from './format';

const seg = (origin: string, destination: string, departure: string, arrival: string): Segment => ({
  flightId: `XX1-${departure.slice(0, 10)}`,
  flightNumber: 'XX1',
  carrier: 'XX',
  origin,
  destination,
  departure,
  arrival,
  durationMinutes: 0,
  distanceKm: 0,
  aircraft: '320',
});

describe('display helpers', () => {
  it('shows money from minor units with the currency’s own exponent', () => {
    expect(formatMoney({ amount: 53037, currency: 'USD' })).toBe('$530.37');
    expect(formatMoney({ amount: 53037, currency: 'JPY' })).toBe('¥53,037');
    expect(formatMoney({ amount: 5, currency: 'EUR' })).toBe('€0.05');
    expect(formatMoney(null)).toBe('—');
  });

  it('keeps the airport’s wall clock and names its zone at that instant', () => {
    expect(localTime('2026-12-01T08:25:00-05:00')).toBe('08:25');
    expect(zoneLabel('2026-12-01T08:25:00-05:00', 'America/New_York')).toBe('EST');
    expect(zoneLabel('2026-07-01T08:25:00-04:00', 'America/New_York')).toBe('EDT');
    // Zone not known (yet): the offset the API gave.
    expect(zoneLabel('2026-12-01T08:25:00-05:00')).toBe('UTC−05:00');
    expect(zoneLabel('2026-12-01T08:25:00+00:00')).toBe('UTC');
  });

  it('counts local calendar days for "+1" arrivals, across offsets', () => {
    expect(dayOffset('2026-12-01T21:40:00-05:00', '2026-12-02T09:55:00+00:00')).toBe(1);
    expect(dayOffset('2026-12-01T08:25:00-05:00', '2026-12-01T20:50:00+00:00')).toBe(0);
    // West across the date line: arrives "before" it left, by the calendar.
    expect(dayOffset('2026-12-02T10:00:00+08:00', '2026-12-01T07:00:00-08:00')).toBe(-1);
  });

  it('measures layovers between instants, not wall clocks', () => {
    const its = [
      seg('JFK', 'DUB', '2026-12-01T18:00:00-05:00', '2026-12-02T05:30:00+00:00'),
      seg('DUB', 'LHR', '2026-12-02T07:10:00+00:00', '2026-12-02T08:30:00+00:00'),
    ];
    expect(layovers(its)).toEqual([{ airport: 'DUB', minutes: 100 }]);
    expect(layovers(its.slice(0, 1))).toEqual([]);
  });

  it('formats durations and countdowns', () => {
    expect(formatDuration(425)).toBe('7h 05m');
    expect(formatDuration(45)).toBe('45m');
    expect(formatCountdown(14 * 60_000 + 31_200)).toBe('14:32');
    expect(formatCountdown(-5)).toBe('0:00');
  });
});
