/**
 * A dated flight id as schedule issues them: carrier designator (2 characters), flight number
 * (1–4 digits, no leading zero) and local departure date, "BA117-2026-12-01". One flight has one
 * id: a second spelling (BA029 for BA29) would be a second key for its seats and its status.
 */
export const FLIGHT_ID = /^([A-Z0-9]{2})([1-9]\d{0,3})-(\d{4}-\d{2}-\d{2})$/;

export const formatFlightId = (carrier: string, flightNumber: number, date: string) =>
  `${carrier}${flightNumber}-${date}`;
