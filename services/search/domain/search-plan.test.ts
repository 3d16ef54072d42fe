import { describe, expect, it } from 'vitest';
import type { Coverage } from './coverage.js';
import { coverage } from './coverage.js';
import { FlightIndex } from './flight-index.js';
import { defaultRules } from '../../../flights/connections.js';
import { daysSpanned, planSearch, searchBudget, type SearchQuery } from './search-plan.js';
import { DAY0, MINUTE, zzFlight } from './test-flights.js';

describe('a search’s budget', () => {
  it('works to the caller’s deadline less a reserve of a fifth, within 100–1,000 ms', () => {
    expect(searchBudget(1_000, 4_000, 5_000)).toEqual({
      startedMs: 1_000,
      deadlineMs: 4_000,
      cutoffMs: 3_400,
      searchUntilMs: 2_200, // half of the time to the cutoff
    });
    expect(searchBudget(0, 500, 5_000).cutoffMs).toBe(400); // at least 100 ms
    expect(searchBudget(0, 60_000, 5_000).cutoffMs).toBe(59_000); // at most 1,000 ms
  });

  it('takes the default budget only when the caller set no deadline', () => {
    expect(searchBudget(1_000, undefined, 5_000)).toMatchObject({
      deadlineMs: 6_000,
      cutoffMs: 5_000,
    });
    expect(searchBudget(1_000, 30_000, 5_000).deadlineMs).toBe(30_000);
  });

  it('reaches as many days past the date as stops and layovers may take', () => {
    const rules = defaultRules(60, 24 * 60);
    expect(daysSpanned(0, rules)).toBe(0);
    expect(daysSpanned(1, rules)).toBe(3);
    expect(daysSpanned(2, rules)).toBe(5);
  });
});

describe('a search’s plan', () => {
  const index = new FlightIndex();
  index.upsert(zzFlight(1, {}));
  index.upsert(
    zzFlight(2, {
      origin: 'BBB',
      destination: 'CCC',
      departureMs: DAY0 + 3 * 60 * MINUTE,
      arrivalMs: DAY0 + 4 * 60 * MINUTE,
    }),
  );
  const query: SearchQuery = {
    origin: 'AAA',
    destination: 'CCC',
    date: '2026-12-01',
    maxStops: 1,
    sort: 'duration',
    limit: 10,
  };
  const held = (from: string, to: string, loadedThrough: string) => ({
    index,
    coverage: (date: string, days: number): Coverage =>
      coverage({ from, to, loadedThrough }, date, days),
  });
  const rules = defaultRules(60);
  const never = () => false;

  it('finds the itineraries with nothing to note when the window holds all it needs', () => {
    const plan = planSearch(held('2026-12-01', '2026-12-10', '2026-12-10'), query, rules, never);
    expect(plan.itineraries.map((i) => i.id)).toEqual(['ZZ1-2026-12-01+ZZ2-2026-12-01']);
    expect(plan).toMatchObject({ partial: false, notes: [] });
  });

  it('is partial while days it may need are still loading', () => {
    const plan = planSearch(held('2026-12-01', '2026-12-10', '2026-12-02'), query, rules, never);
    expect(plan.partial).toBe(true);
    expect(plan.notes).toEqual([
      'schedule after 2026-12-02 still loading: some connections may be missing',
    ]);
  });

  it('says when the date is outside the window or an airport has no flights', () => {
    const outside = planSearch(held('2026-12-02', '2026-12-10', '2026-12-10'), query, rules, never);
    expect(outside).toMatchObject({
      partial: false,
      notes: ['2026-12-01 is outside the schedule held (2026-12-02 to 2026-12-10)'],
    });
    const nowhere = planSearch(
      held('2026-12-01', '2026-12-10', '2026-12-10'),
      { ...query, origin: 'ZZZ', destination: 'YYY' },
      rules,
      never,
    );
    expect(nowhere.notes).toEqual([
      'no flights from ZZZ in the schedule held',
      'no flights to YYY in the schedule held',
    ]);
  });
});
