/** A booking made: its reference first, then what was booked. */
import type { Booking } from '../api/types';
import { useAirports } from '../airports';
import { dayOffset, formatDate, formatMoney, localDate, localTime, zoneLabel } from '../format';

export function BookingSummary({ booking }: { booking: Booking }) {
  // The airports' zones, so a time is labelled as on the search page ("EST", not "UTC−05:00").
  const airports = useAirports(booking.segments.flatMap((s) => [s.origin, s.destination]));
  return (
    <>
      <ul className="segments">
        {booking.segments.map((s) => (
          <li key={s.flightId}>
            <strong>{s.flightNumber}</strong> {formatDate(localDate(s.departure))} · {s.origin}{' '}
            {localTime(s.departure)}{' '}
            <span className="hint">{zoneLabel(s.departure, airports[s.origin]?.timeZone)}</span> →{' '}
            {s.destination} {localTime(s.arrival)}{' '}
            <span className="hint">{zoneLabel(s.arrival, airports[s.destination]?.timeZone)}</span>
            {dayOffset(s.departure, s.arrival) > 0 && (
              <sup className="plus-days">+{dayOffset(s.departure, s.arrival)}</sup>
            )}
          </li>
        ))}
      </ul>
      <ul className="people">
        {booking.passengers.map((p, i) => (
          <li key={i}>
            {p.givenName} {p.familyName} <span className="hint">({p.type})</span>
          </li>
        ))}
      </ul>
      <p>
        Total <strong>{formatMoney(booking.price?.total)}</strong> · confirmation sent to{' '}
        {booking.contactEmail}
      </p>
    </>
  );
}

export function Confirmation({ booking }: { booking: Booking }) {
  return (
    <section className="confirmation" aria-labelledby="confirmed">
      <h2 id="confirmed">
        {booking.status === 'confirmed' ? 'Booking confirmed' : `Booking ${booking.status}`}
      </h2>
      <p className="reference">
        Booking reference <strong data-reference>{booking.reference}</strong>
      </p>
      <BookingSummary booking={booking} />
      <p>
        <a href="/bookings">See my bookings</a> · <a href="/">Search again</a>
      </p>
    </section>
  );
}
