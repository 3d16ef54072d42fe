/** Problems in plain words for travellers: never a stack trace, a status code or a blank page. */
import { ApiProblem } from './http';

const BY_REASON: Record<string, string> = {
  SOLD_OUT:
    'Sorry, this flight has sold out in the cabin you chose. Please go back and pick another flight.',
  QUOTE_EXPIRED: 'The price guarantee for this fare has expired. Get a new price to continue.',
  PRICE_CHANGED: 'The price of this fare has changed. Get a new price to continue.',
  FLIGHT_CANCELLED: 'This flight has been cancelled by the airline. Please pick another flight.',
  HOLD_EXPIRED: 'Your seats were not confirmed in time. Please try booking again.',
  IDEMPOTENCY_CONFLICT:
    'This booking attempt was already sent with different details. Please review and try again.',
  BOOKING_STATE_CONFLICT: 'This booking can no longer be changed.',
  ITINERARY_CHANGED:
    'The airline has changed the time of a flight in this itinerary since you got this price. Get a new price to see the new times.',
  QUOTE_ALREADY_BOOKED:
    'This fare has already been booked. Look in your bookings, or get a new price to book again.',
};

const BY_STATUS: Record<number, string> = {
  0: 'We could not reach the server. Check your connection and try again.',
  400: 'Some details are not right. Please check the highlighted fields.',
  401: 'Please sign in to continue.',
  403: 'You are not allowed to do that.',
  404: 'We could not find that.',
  409: 'That could not be done in the current state. Please refresh and try again.',
  410: 'This is no longer available.',
  429: 'You are going a little fast. Please wait a moment and try again.',
  503: 'Part of our system is unavailable right now. Please try again in a moment.',
  504: 'That took longer than it should. Please try again.',
};

export function describeProblem(err: unknown): string {
  if (!(err instanceof ApiProblem))
    return 'Something went wrong on our side. Please try again in a moment.';
  const reason = err.reason && BY_REASON[err.reason];
  if (reason) return reason;
  return (
    BY_STATUS[err.status] ??
    (err.status >= 500
      ? 'Something went wrong on our side. Please try again in a moment.'
      : 'That did not work. Please check and try again.')
  );
}
