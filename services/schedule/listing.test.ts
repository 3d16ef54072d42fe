import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlightStatus, type Flight } from '../../gen/ts/flights/v1/common.js';
import type {
  FlightColumns,
  ListFlightPagesRequest,
  PackedFlightColumns,
} from '../../gen/ts/flights/v1/schedule.js';
import {
  TEST_START_DATE,
  expectInvalidField,
  failure,
  startSchedule,
  type ScheduleFixture,
} from '../../test/support/schedule.js';

/**
 * ListFlightPages gives the very listing of ListFlights, as Flight messages or as columns (the
 * bulk path search loads through), with retimes and cancellations in both.
 */
let s: ScheduleFixture;

/** A listing's deadline: generous, as the machines tests run on may be busy. */
const LONG = { deadlineMs: 120_000 };
const FROM = TEST_START_DATE;
const TO = FROM;

const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
/** "2026-12-01T18:30:00-05:00": the instant at the offset, as FlightColumns defines it. */
const local = (ms: number, offset: number) =>
  `${new Date(ms + offset * 60_000).toISOString().slice(0, 19)}${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;

/** What a column page says of each flight, in the fields ListFlights' Flight has too. */
function rows(c: FlightColumns) {
  return c.flightNumber.map((flightNumber, i) => {
    const str = (refs: number[]) => c.strings[refs[i]!]!;
    return {
      flightId: `${str(c.carrierCode)}${flightNumber}-${str(c.departureDate)}`,
      carrierCode: str(c.carrierCode),
      flightNumber,
      origin: str(c.origin),
      destination: str(c.destination),
      departureDate: str(c.departureDate),
      departureTime: new Date(c.departureMs[i]!),
      arrivalTime: new Date(c.arrivalMs[i]!),
      departureLocal: local(c.departureMs[i]!, c.departureOffsetMinutes[i]!),
      arrivalLocal: local(c.arrivalMs[i]!, c.arrivalOffsetMinutes[i]!),
      durationMinutes: c.durationMinutes[i]!,
      distanceKm: c.distanceKm[i]!,
      aircraftCode: str(c.aircraftCode),
      status: c.status[i]!,
      version: c.version[i]!,
    };
  });
}

/**
 * Packed columns read back as FlightColumns, each entry read from the bytes at its width, in
 * little-endian order as the contract says (not through typed arrays, which take the host's
 * order).
 */
function unpacked(p: PackedFlightColumns): FlightColumns {
  const read = (bytes: Buffer, width: number, at: (b: Buffer, offset: number) => number) => {
    expect(bytes.length).toBe(p.count * width);
    return Array.from({ length: p.count }, (_, i) => at(bytes, i * width));
  };
  const u16 = (b: Buffer) => read(b, 2, (x, o) => x.readUInt16LE(o));
  const u32 = (b: Buffer) => read(b, 4, (x, o) => x.readUInt32LE(o));
  const i16 = (b: Buffer) => read(b, 2, (x, o) => x.readInt16LE(o));
  const f64 = (b: Buffer) => read(b, 8, (x, o) => x.readDoubleLE(o));
  return {
    strings: p.strings,
    carrierCode: u16(p.carrierCode),
    origin: u16(p.origin),
    destination: u16(p.destination),
    departureDate: u16(p.departureDate),
    aircraftCode: u16(p.aircraftCode),
    flightNumber: u32(p.flightNumber),
    departureMs: f64(p.departureMs),
    arrivalMs: f64(p.arrivalMs),
    departureOffsetMinutes: i16(p.departureOffsetMinutes),
    arrivalOffsetMinutes: i16(p.arrivalOffsetMinutes),
    durationMinutes: u32(p.durationMinutes),
    distanceKm: u32(p.distanceKm),
    status: read(p.status, 1, (x, o) => x.readUInt8(o)),
    version: u32(p.version),
  };
}

const withoutNamesAndCabins = ({ carrierName: _n, cabins: _c, ...rest }: Flight) => rest;

async function listFlights(r: Omit<ListFlightPagesRequest, 'pageSize' | 'columns' | 'packed'>) {
  const out: Flight[] = [];
  const cursors = new Set<string>();
  for await (const m of s.client.listFlights(r, LONG)) {
    out.push(m.flight!);
    cursors.add(m.cursor);
  }
  return { flights: out, cursors };
}

async function pages(r: ListFlightPagesRequest) {
  const sizes: number[] = [];
  const cursors = new Set<string>();
  const flights: Flight[] = [];
  const columns: ReturnType<typeof rows> = [];
  for await (const m of s.client.listFlightPages(r, LONG)) {
    cursors.add(m.cursor);
    const page = m.packed ? unpacked(m.packed) : m.columns;
    if (m.packed) expect(m.columns).toBeUndefined();
    if (page) {
      expect(m.flights).toEqual([]);
      columns.push(...rows(page));
    }
    flights.push(...m.flights);
    sizes.push(page ? page.flightNumber.length : m.flights.length);
  }
  return { sizes, cursors, flights, columns };
}

beforeAll(async () => {
  s = await startSchedule('embedded');
  const { flights } = await listFlights({
    origin: 'JFK',
    destination: 'LHR',
    fromDate: FROM,
    toDate: '',
    includeCancelled: false,
  });
  // One retimed past the next flight (its listing position stays the timetabled one), one cancelled.
  await s.client.retimeFlight({
    flightId: flights[0]!.flightId,
    newDepartureTime: new Date(flights[0]!.departureTime!.getTime() + 3 * 3600_000),
    reason: 'crew',
    requestId: 'listing-retime',
  });
  await s.client.cancelFlight({
    flightId: flights[1]!.flightId,
    reason: 'weather',
    requestId: 'listing-cancel',
  });
});

afterAll(() => s?.stop());

describe('ListFlightPages', () => {
  for (const includeCancelled of [true, false])
    it(
      `lists what ListFlights lists, as flights and as columns (cancelled ${includeCancelled ? 'in' : 'out'})`,
      { timeout: 120_000 },
      async () => {
        const range = { origin: '', destination: '', fromDate: FROM, toDate: TO, includeCancelled };
        const want = await listFlights(range);
        expect(want.flights.length).toBeGreaterThan(2000);
        const statuses = new Set(want.flights.map((f) => f.status));
        expect(statuses.has(FlightStatus.FLIGHT_STATUS_RETIMED)).toBe(true);
        expect(statuses.has(FlightStatus.FLIGHT_STATUS_CANCELLED)).toBe(includeCancelled);

        const asFlights = await pages({ ...range, pageSize: 0, columns: false, packed: false });
        expect(asFlights.flights).toEqual(want.flights);
        expect(asFlights.sizes.slice(0, -1).every((n) => n === 1000)).toBe(true);

        const asColumns = await pages({ ...range, pageSize: 700, columns: true, packed: false });
        expect(asColumns.columns).toEqual(want.flights.map(withoutNamesAndCabins));
        expect(asColumns.sizes.slice(0, -1).every((n) => n === 700)).toBe(true);
        expect([...asColumns.cursors]).toEqual([...want.cursors]);

        // Packed, with or without `columns` (packed wins), in pages of the most and of 700.
        for (const [pageSize, columns] of [
          [5000, true],
          [700, false],
        ] as const) {
          const asPacked = await pages({ ...range, pageSize, columns, packed: true });
          expect(asPacked.columns).toEqual(want.flights.map(withoutNamesAndCabins));
          expect(asPacked.sizes.slice(0, -1).every((n) => n === pageSize)).toBe(true);
          expect([...asPacked.cursors]).toEqual([...want.cursors]);
        }
      },
    );

  it('filters by route as ListFlights does', async () => {
    const range = {
      origin: 'JFK',
      destination: 'LHR',
      fromDate: FROM,
      toDate: TO,
      includeCancelled: true,
    };
    const want = await listFlights(range);
    for (const packed of [false, true]) {
      const got = await pages({ ...range, pageSize: 1, columns: true, packed });
      expect(got.columns).toEqual(want.flights.map(withoutNamesAndCabins));
      expect(got.sizes.every((n) => n === 1)).toBe(true);
    }
  });

  it('answers a page size over the most with INVALID_ARGUMENT naming it', async () => {
    const bad = pages({
      origin: '',
      destination: '',
      fromDate: FROM,
      toDate: '',
      includeCancelled: false,
      pageSize: 5001,
      columns: true,
      packed: true,
    });
    expectInvalidField(await failure(bad), 'page_size');
  });
});
