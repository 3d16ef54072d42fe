/** ListBookings page tokens: what they carry and which list they belong to. */
import { z } from 'zod';
import type { BookingPageKey, BookingRecord } from './booking-store.js';

/** The key in a token: the last booking's creation instant (ISO, ms) and its id. */
export const bookingPageKey = z.object({
  t: z.iso.datetime(),
  id: z.uuid(),
});
type TokenKey = z.infer<typeof bookingPageKey>;

/** A token is one customer's: another customer's token is refused, never read as a position. */
export const bookingListScope = (customerId: string): string => `bookings\n${customerId}`;

export const tokenOfKey = (b: BookingRecord): TokenKey => ({
  t: b.createdAt.toISOString(),
  id: b.bookingId,
});

export const keyOfToken = (k: TokenKey): BookingPageKey => ({
  createdAt: new Date(k.t),
  bookingId: k.id,
});
