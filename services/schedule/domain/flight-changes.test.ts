import { describe, expect, it } from 'vitest';
import { MAX_RETIME_HOURS, retimed, withinRetimeReach } from './flight-changes.js';

const SCHEDULED = new Date('2026-12-01T18:30:00Z');
const hours = (h: number) => new Date(SCHEDULED.getTime() + h * 3_600_000);

describe('flight changes', () => {
  it('lets a flight move up to MAX_RETIME_HOURS either way and no further', () => {
    expect(withinRetimeReach(SCHEDULED, hours(MAX_RETIME_HOURS))).toBe(true);
    expect(withinRetimeReach(SCHEDULED, hours(-MAX_RETIME_HOURS))).toBe(true);
    expect(withinRetimeReach(SCHEDULED, hours(MAX_RETIME_HOURS + 0.01))).toBe(false);
    expect(withinRetimeReach(SCHEDULED, hours(-MAX_RETIME_HOURS - 0.01))).toBe(false);
  });

  it('keeps the block time of a retimed flight', () => {
    expect(retimed(hours(2), 415)).toEqual({
      status: 'RETIMED',
      departureUtc: hours(2),
      arrivalUtc: new Date(hours(2).getTime() + 415 * 60_000),
    });
  });
});
