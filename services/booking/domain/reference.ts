import { randomInt } from 'node:crypto';

/** No 0/O, 1/I/L: a reference read over the phone cannot be mistaken. */
export const REFERENCE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const REFERENCE_PATTERN = new RegExp(`^[${REFERENCE_ALPHABET}]{6}$`);
/**
 * What a reference must be, said whole: "OOOOOO" has six characters, and was refused as not
 * being "a 6-character booking reference".
 */
export const REFERENCE_RULE = 'must be 6 letters or digits, none of them 0, 1, I, L or O';

/** A random 6-character booking reference (31^6 ≈ 887 million; uniqueness is the database's job). */
export function newBookingReference(): string {
  let out = '';
  for (let i = 0; i < 6; i++) out += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return out;
}
