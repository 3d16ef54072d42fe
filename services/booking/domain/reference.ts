import { randomInt } from 'node:crypto';
import { BOOKING_REFERENCE_ALPHABET as REFERENCE_ALPHABET } from '../../../flights/fields.js';

/** A random 6-character booking reference (31^6 ≈ 887 million; uniqueness is the database's job). */
export function newBookingReference(): string {
  let out = '';
  for (let i = 0; i < 6; i++) out += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return out;
}
