import { randomInt } from 'node:crypto';

/** No 0/O, 1/I/L: a reference read over the phone cannot be mistaken. */
export const REFERENCE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const REFERENCE_PATTERN = new RegExp(`^[${REFERENCE_ALPHABET}]{6}$`);

/** A random 6-character booking reference (31^6 ≈ 887 million; uniqueness is the database's job). */
export function newBookingReference(): string {
  let out = '';
  for (let i = 0; i < 6; i++) out += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return out;
}
