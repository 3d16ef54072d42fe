/**
 * A cabin of an aircraft, as the timetable, the seat inventory and the holds name it. Its own
 * module because both the aircraft seat maps and the timetable speak it (no import cycle).
 */
export type CabinCode = 'economy' | 'premium_economy' | 'business' | 'first';

/** Every cabin, front of the aircraft last: the order flights list their cabins in. */
export const CABIN_CODES: readonly CabinCode[] = [
  'economy',
  'premium_economy',
  'business',
  'first',
];
