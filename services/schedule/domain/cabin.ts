/**
 * A cabin of an aircraft, as the timetable, the seat inventory and the holds name it. Its own
 * module because both the aircraft seat maps and the timetable speak it (no import cycle).
 */
// Declared once for the whole mesh in flights/codes.ts (CABIN_CODES: front of the aircraft last,
// the order flights list their cabins in).
export { CABIN_CODES, type CabinCode } from '../../../flights/codes.js';
