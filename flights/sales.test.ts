import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { earliestLocalDate } from './calendar.js';
import {
  earliestOnSaleMs,
  isPastLocalDate,
  localDate,
  onSale,
  salesClosed,
  salesCloseMs,
} from './sales.js';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

describe('the sales cut-off', () => {
  it('closes a flight’s sale the cut-off before departure, on instants', () => {
    const departure = at('2026-12-02T11:45:00Z');
    expect(salesCloseMs(departure, 60)).toBe(at('2026-12-02T10:45:00Z'));
    expect(onSale(departure, at('2026-12-02T10:44:59.999Z'), 60)).toBe(true);
    expect(onSale(departure, at('2026-12-02T10:45:00Z'), 60)).toBe(false);
    expect(onSale(departure, at('2026-12-02T23:00:00Z'), 60)).toBe(false); // the issue: long gone
    expect(onSale(departure, at('2026-12-02T11:44:00Z'), 0)).toBe(true);
    // The earliest departure a search may offer is exactly the first one still on sale.
    const now = at('2026-12-02T10:00:00Z');
    expect(onSale(earliestOnSaleMs(now, 60), now, 60)).toBe(true);
    expect(onSale(earliestOnSaleMs(now, 60) - 1, now, 60)).toBe(false);
  });

  it('counts real time across a DST change, not wall-clock time', () => {
    // New York falls back at 02:00 EDT on 2026-11-01: 01:15 EDT to 01:30 EST is 75 minutes.
    const now = at('2026-11-01T01:15:00-04:00');
    const departure = at('2026-11-01T01:30:00-05:00');
    expect(departure - now).toBe(75 * 60_000);
    expect(onSale(departure, now, 60)).toBe(true);
    // Sydney springs forward at 02:00 on 2026-10-04: 01:30 to 03:15 is 45 minutes.
    expect(onSale(at('2026-10-04T03:15:00+11:00'), at('2026-10-04T01:30:00+10:00'), 60)).toBe(
      false,
    );
    expect(localDate(at('2026-11-01T06:30:00Z'), 'America/New_York')).toBe('2026-11-01');
  });

  it('takes "today" at the departure airport, across the date line', () => {
    // 23:00 UTC on 2026-11-30: already 12-01 in Sydney and Kiritimati, still 11-30 in Los Angeles
    // and Pago Pago.
    const now = at('2026-11-30T23:00:00Z');
    expect(localDate(now, 'Australia/Sydney')).toBe('2026-12-01');
    expect(localDate(now, 'Pacific/Kiritimati')).toBe('2026-12-01');
    expect(localDate(now, 'America/Los_Angeles')).toBe('2026-11-30');
    expect(localDate(now, 'Pacific/Pago_Pago')).toBe('2026-11-30');
    expect(isPastLocalDate('2026-11-30', 'Australia/Sydney', now)).toBe(true);
    expect(isPastLocalDate('2026-11-30', 'America/Los_Angeles', now)).toBe(false);
    // After UTC midnight the dates offered still start at the westernmost traveller's today.
    const afterMidnight = at('2026-12-01T01:00:00Z');
    expect(localDate(afterMidnight, 'America/Los_Angeles')).toBe('2026-11-30');
    expect(earliestLocalDate(afterMidnight)).toBe('2026-11-30');
    expect(earliestLocalDate(afterMidnight + 11 * HOUR)).toBe('2026-12-01');
    for (const zone of ['Pacific/Pago_Pago', 'Pacific/Honolulu', 'America/Los_Angeles'])
      expect(isPastLocalDate(earliestLocalDate(afterMidnight), zone, afterMidnight)).toBe(false);
  });

  it('answers SALES_CLOSED naming the first closed flight and when its sale closed', () => {
    const now = at('2026-12-02T10:50:00Z');
    const flights = [
      { flightId: 'SQ65-2026-12-02', departureMs: at('2026-12-02T13:05:00Z') },
      { flightId: 'ET17-2026-12-02', departureMs: at('2026-12-02T11:45:00Z') },
    ];
    expect(salesClosed(flights.slice(0, 1), now, 60)).toBeUndefined();
    const err = salesClosed(flights, now, 60)!;
    expect(err.code).toBe(status.FAILED_PRECONDITION);
    expect(err.reason).toBe('SALES_CLOSED');
    expect(err.options.metadata).toEqual({
      flight_id: 'ET17-2026-12-02',
      departure_time: '2026-12-02T11:45:00.000Z',
      sales_closed_at: '2026-12-02T10:45:00.000Z',
    });
  });
});
