import type { PassengerKind } from '../../../flights/codes.js';
import type { FieldViolation } from '../../../platform/errors.js';

/** "an adult", "a child", "an infant". */
const withArticle = (kind: string) => `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;

export type { PassengerKind };

export interface PassengerInput {
  givenName: string;
  familyName: string;
  kind: PassengerKind;
  /** "YYYY-MM-DD" */
  dateOfBirth: string;
}

export interface PassengerCounts {
  adults: number;
  children: number;
  infants: number;
}

/** Age bands as airlines use them, on the date of travel: infant < 2, child 2–11, adult 12+. */
export function kindForAge(dateOfBirth: string, travelDate: string): PassengerKind | null {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = travelDate.split('-').map(Number) as [number, number, number];
  let age = ty - by;
  if (tm < bm || (tm === bm && td < bd)) age -= 1;
  if (age < 0) return null;
  if (age < 2) return 'infant';
  if (age < 12) return 'child';
  return 'adult';
}

/**
 * Checks passengers against the quote they book: each date of birth agrees with the passenger
 * type on the first day of travel, and the numbers of each type are the ones quoted.
 */
export function passengerViolations(
  passengers: PassengerInput[],
  quoted: PassengerCounts,
  travelDate: string,
): FieldViolation[] {
  const violations: FieldViolation[] = [];
  passengers.forEach((p, i) => {
    const actual = kindForAge(p.dateOfBirth, travelDate);
    if (actual === null)
      violations.push({
        field: `passengers[${i}].date_of_birth`,
        description: `is after the date of travel ${travelDate}`,
      });
    else if (actual !== p.kind)
      violations.push({
        field: `passengers[${i}].date_of_birth`,
        description: `makes this passenger ${withArticle(actual)} on ${travelDate}, not ${withArticle(p.kind)}`,
      });
  });
  const count = (kind: PassengerKind) => passengers.filter((p) => p.kind === kind).length;
  const actual = { adults: count('adult'), children: count('child'), infants: count('infant') };
  if (
    actual.adults !== quoted.adults ||
    actual.children !== quoted.children ||
    actual.infants !== quoted.infants
  )
    violations.push({
      field: 'passengers',
      description: `the quote is for ${quoted.adults} adult(s), ${quoted.children} child(ren), ${quoted.infants} infant(s); got ${actual.adults}, ${actual.children}, ${actual.infants}`,
    });
  return violations;
}
