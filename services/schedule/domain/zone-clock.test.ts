import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { fromLocal, toLocal } from './zone-clock.js';

const ZONES = [
  'Europe/London',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Auckland',
  'America/Santiago',
  'UTC',
  'UTC+5:45',
];
// 2026-01-01 .. 2028-01-01, so every zone's transitions are inside.
const instant = fc
  .integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 0, 1) })
  .map((ms) => ms - (ms % 60_000));

describe('zone clock agrees with luxon', () => {
  it('converts instants to local time', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instant, (zone, ms) => {
        const t = DateTime.fromMillis(ms, { zone });
        const local = toLocal(zone, ms);
        expect(local.iso).toBe(t.toISO({ suppressMilliseconds: true })!.replace(/Z$/, '+00:00'));
        expect(local.date).toBe(t.toISODate());
        expect(local.weekday).toBe(t.weekday);
      }),
      { numRuns: 2000 },
    );
  });

  it('converts local wall-clock times to instants, including DST gaps and overlaps', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        instant,
        fc.integer({ min: 0, max: 287 }),
        (zone, ms, slot) => {
          const date = new Date(ms).toISOString().slice(0, 10);
          const time = `${String(Math.floor(slot / 12)).padStart(2, '0')}:${String((slot % 12) * 5).padStart(2, '0')}`;
          const t = DateTime.fromISO(`${date}T${time}`, { zone });
          expect(fromLocal(zone, date, time)?.utcMs).toBe(t.toMillis());
        },
      ),
      { numRuns: 3000 },
    );
  });
});
