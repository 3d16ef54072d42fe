import { describe, expect, it } from 'vitest';
import { RollingWindow } from '../../flights/calendar.js';
import { Catalog } from './catalog.js';

describe('catalog horizon', () => {
  it('offers the new last day and stops offering yesterday when the day turns', () => {
    let now = Date.parse('2026-12-01T12:00:00Z');
    const catalog = Catalog.build({
      seed: 1,
      size: 'small',
      horizon: new RollingWindow(2, undefined, () => now),
    });
    const ids = (from: string, to: string) =>
      [...catalog.scheduledFlights({ fromDate: from, toDate: to })].map((f) => f.flightId);

    const firstDay = ids('2026-12-01', '2026-12-01');
    expect(firstDay.length).toBeGreaterThan(100);
    expect(ids('2026-12-03', '2026-12-03')).toEqual([]);
    expect(catalog.scheduled(firstDay[0]!)).not.toBeNull();

    now += 86_400_000;
    const newDay = ids('2026-12-03', '2026-12-03');
    expect(newDay.length).toBeGreaterThan(100);
    expect(catalog.scheduled(newDay[0]!)).not.toBeNull();
    expect(ids('2026-12-01', '2026-12-01')).toEqual([]);
    expect(catalog.scheduled(firstDay[0]!)).toBeNull();
  });
});
