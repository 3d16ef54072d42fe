import { describe, expect, it } from 'vitest';
import { connectionProblem, defaultRules } from './connections.js';

const MIN = 60_000;
const landsLhr = {
  flightId: 'VS4-2026-12-09',
  origin: 'JFK',
  destination: 'LHR',
  departureMs: 0,
  arrivalMs: 420 * MIN,
};
const onward = (afterMinutes: number, origin = 'LHR') => ({
  flightId: 'BA902-2026-12-10',
  origin,
  destination: 'FRA',
  departureMs: landsLhr.arrivalMs + afterMinutes * MIN,
  arrivalMs: landsLhr.arrivalMs + (afterMinutes + 90) * MIN,
});
const rules = defaultRules(60, 24 * 60);

describe('when two flights connect (the rule search and pricing share)', () => {
  it('takes a change of at least the airport’s minimum and at most the longest layover', () => {
    expect(connectionProblem(landsLhr, onward(90), rules)).toBeUndefined();
    expect(connectionProblem(landsLhr, onward(24 * 60), rules)).toBeUndefined();
  });

  it('says why one does not, in words', () => {
    expect(connectionProblem(landsLhr, onward(120, 'LGW'), rules)).toBe(
      'VS4-2026-12-09 lands at LHR, BA902-2026-12-10 leaves LGW',
    );
    expect(connectionProblem(landsLhr, onward(89), rules)).toBe(
      'BA902-2026-12-10 leaves 89 minutes after VS4-2026-12-09 lands at LHR, where a connection takes at least 90',
    );
    expect(connectionProblem(landsLhr, onward(24 * 60 + 1), rules)).toBe(
      'BA902-2026-12-10 leaves 1441 minutes after VS4-2026-12-09 lands, more than the longest layover (1440 minutes)',
    );
    // In the wrong order: not "leaves -950 minutes after".
    expect(connectionProblem(landsLhr, onward(-950), rules)).toBe(
      'BA902-2026-12-10 leaves before VS4-2026-12-09 lands',
    );
  });

  it('uses the default minimum where no hub time is known', () => {
    const landsOrd = { ...landsLhr, destination: 'BOS' };
    expect(connectionProblem(landsOrd, onward(60, 'BOS'), rules)).toBeUndefined();
    expect(connectionProblem(landsOrd, onward(59, 'BOS'), rules)).toContain('at least 60');
  });
});
