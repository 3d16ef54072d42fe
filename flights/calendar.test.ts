import { describe, expect, it } from 'vitest';
import { addDays, RollingWindow } from './calendar.js';

describe('calendar', () => {
  it('adds days across month, year and leap-day ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('keeps a configured window where it is', () => {
    let now = Date.parse('2026-11-23T10:00:00Z');
    const window = new RollingWindow(3, '2026-12-01', () => now);
    now += 10 * 86_400_000;
    expect(window.current).toEqual({ from: '2026-12-01', to: '2026-12-03' });
  });

  it('starts an unconfigured window at the earliest local today, turning at 12:00 UTC', () => {
    // 11:59:59 UTC on 2027-01-01 is still 23:59:59 on 2026-12-31 in UTC−12.
    let now = Date.parse('2027-01-01T11:59:59Z');
    const window = new RollingWindow(3, undefined, () => now);
    expect(window.current).toEqual({ from: '2026-12-31', to: '2027-01-02' });
    expect(window.contains('2027-01-03')).toBe(false);
    now += 1_000;
    expect(window.current).toEqual({ from: '2027-01-01', to: '2027-01-03' });
    expect(window.contains('2027-01-03')).toBe(true);
    expect(window.contains('2026-12-31')).toBe(false);
  });
});
