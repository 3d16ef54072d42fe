import { describe, expect, it } from 'vitest';
import { FlightStatus } from '../../gen/ts/flights/v1/common.js';
import type { PackedFlightColumns } from '../../gen/ts/flights/v1/schedule.js';
import { unpackedBatch } from './mapping.js';

/** Little-endian bytes of `values` at `width`, starting `skew` bytes into a larger buffer. */
function le(values: number[], width: 1 | 2 | 4 | 8, signed = false, skew = 0): Buffer {
  const whole = Buffer.alloc(skew + values.length * width);
  values.forEach((v, i) => {
    const at = skew + i * width;
    if (width === 8) whole.writeDoubleLE(v, at);
    else if (signed) whole.writeIntLE(v, at, width);
    else whole.writeUIntLE(v, at, width);
  });
  return whole.subarray(skew);
}

/** Two flights as PackedFlightColumns, each column `skew` bytes off its buffer's start. */
function page(skew: number): PackedFlightColumns {
  return {
    count: 2,
    strings: ['BA', 'LHR', 'JFK', '2026-12-08', '777'],
    carrierCode: le([0, 0], 2, false, skew),
    origin: le([1, 2], 2, false, skew),
    destination: le([2, 1], 2, false, skew),
    departureDate: le([3, 3], 2, false, skew),
    aircraftCode: le([4, 4], 2, false, skew),
    flightNumber: le([117, 70_000], 4, false, skew),
    departureMs: le([1_796_000_000_000, 1_796_000_060_000], 8, false, skew),
    arrivalMs: le([1_796_030_000_000, 1_796_030_060_000], 8, false, skew),
    departureOffsetMinutes: le([0, -300], 2, true, skew),
    arrivalOffsetMinutes: le([-300, 0], 2, true, skew),
    durationMinutes: le([500, 420], 4, false, skew),
    distanceKm: le([5540, 5540], 4, false, skew),
    status: le([FlightStatus.FLIGHT_STATUS_SCHEDULED, FlightStatus.FLIGHT_STATUS_CANCELLED], 1),
    version: le([1, 4_000_000_000], 4, false, skew),
  };
}

describe('packed flight columns', () => {
  for (const skew of [0, 1, 3])
    it(`read as the numbers they pack (${skew ? 'bytes not aligned' : 'aligned'})`, () => {
      const b = unpackedBatch(page(skew));
      expect(Array.from(b.origin)).toEqual([1, 2]);
      expect(Array.from(b.flightNumber)).toEqual([117, 70_000]);
      expect(Array.from(b.departureMs)).toEqual([1_796_000_000_000, 1_796_000_060_000]);
      expect(Array.from(b.departureOffset)).toEqual([0, -300]);
      expect(Array.from(b.arrivalOffset)).toEqual([-300, 0]);
      expect(Array.from(b.durationMinutes)).toEqual([500, 420]);
      expect(Array.from(b.version)).toEqual([1, 4_000_000_000]);
      expect(Array.from(b.cancelled)).toEqual([0, 1]);
      expect(b.strings).toEqual(['BA', 'LHR', 'JFK', '2026-12-08', '777']);
    });

  it('refuses a column whose length is not count × its width, naming it', () => {
    expect(() => unpackedBatch({ ...page(0), arrivalMs: le([1], 8) })).toThrow(/arrival_ms/);
    expect(() => unpackedBatch({ ...page(0), count: 3 })).toThrow(/bytes, not 3 × /);
  });
});
