import { describe, expect, it } from 'vitest';
import { kindForAge, passengerViolations } from './passengers.js';
import { fields } from '../../../flights/fields.js';
import { newBookingReference } from './reference.js';

describe('passenger rules', () => {
  it('derives the passenger type from the age on the date of travel', () => {
    expect(kindForAge('2024-12-02', '2026-12-01')).toBe('infant'); // turns 2 the next day
    expect(kindForAge('2024-12-01', '2026-12-01')).toBe('child');
    expect(kindForAge('2014-12-02', '2026-12-01')).toBe('child');
    expect(kindForAge('2014-12-01', '2026-12-01')).toBe('adult');
    expect(kindForAge('2027-01-01', '2026-12-01')).toBeNull();
  });

  it('names each passenger whose date of birth disagrees with the type, and a count mismatch', () => {
    const violations = passengerViolations(
      [
        { givenName: 'Ada', familyName: 'L', kind: 'adult', dateOfBirth: '1990-01-01' },
        { givenName: 'Tom', familyName: 'L', kind: 'child', dateOfBirth: '1990-01-01' },
      ],
      { adults: 1, children: 0, infants: 0 },
      '2026-12-01',
    );
    expect(violations.map((v) => v.field)).toEqual(['passengers[1].date_of_birth', 'passengers']);
    expect(violations[0]!.description).toBe(
      'makes this passenger an adult on 2026-12-01, not a child',
    );
    const [infant] = passengerViolations(
      [{ givenName: 'Ann', familyName: 'L', kind: 'infant', dateOfBirth: '1990-01-01' }],
      { adults: 0, children: 0, infants: 1 },
      '2026-12-01',
    );
    expect(infant!.description).toBe('makes this passenger an adult on 2026-12-01, not an infant');
  });
});

describe('booking references', () => {
  it('are 6 characters of an unambiguous alphabet', () => {
    const refs = Array.from({ length: 2000 }, newBookingReference);
    // Each one a reference the request schemas accept as written.
    for (const r of refs) expect(fields.bookingReference.parse(r)).toBe(r);
    expect(refs.join('')).not.toMatch(/[01OIL]/);
    expect(new Set(refs).size).toBeGreaterThan(1990);
  });
});
