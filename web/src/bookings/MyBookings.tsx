/** My bookings, newest first, a page at a time; each with its details and a cancel button. */
import { useCallback, useEffect, useState } from 'react';
import { api, ApiProblem } from '../api/http';
import { describeProblem } from '../api/messages';
import type { Booking } from '../api/types';
import { BookingSummary } from '../book/Confirmation';
import { formatDate, formatMoney, localDate } from '../format';
import { useSession } from '../session';

const PAGE_SIZE = 5;

function BookingItem({ booking, onChange }: { booking: Booking; onChange(b: Booking): void }) {
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>();
  const first = booking.segments[0];
  const last = booking.segments.at(-1);
  const detailsId = `booking-${booking.reference}`;

  const cancel = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      onChange(
        await api<Booking>(`/api/v1/bookings/${booking.reference}/cancel`, {
          method: 'POST',
          body: { reason: 'cancelled by the traveller' },
        }),
      );
      setConfirming(false);
    } catch (err) {
      setProblem(err instanceof ApiProblem ? err : undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className={`booking status-${booking.status}`}>
      <div className="booking-head">
        <span className="reference">{booking.reference}</span>
        <span>
          {first?.origin} → {last?.destination}
          {first && ` · ${formatDate(localDate(first.departure))}`}
        </span>
        <span className="badge">{booking.status}</span>
        <span>{formatMoney(booking.price?.total)}</span>
        <button
          type="button"
          className="link"
          aria-expanded={open}
          aria-controls={detailsId}
          onClick={() => setOpen((o) => !o)}
        >
          {open ? 'Hide details' : 'Details'}
          <span className="visually-hidden"> of booking {booking.reference}</span>
        </button>
      </div>
      <div id={detailsId} hidden={!open} className="booking-details">
        <BookingSummary booking={booking} />
        {booking.failureReason && <p className="note">{booking.failureReason}</p>}
        {booking.status === 'confirmed' &&
          (confirming ? (
            <p role="group" aria-label="Confirm cancellation">
              Cancel booking {booking.reference}? This cannot be undone.{' '}
              <button
                type="button"
                className="danger"
                onClick={() => void cancel()}
                disabled={busy}
              >
                {busy ? 'Cancelling…' : 'Yes, cancel it'}
              </button>{' '}
              <button type="button" onClick={() => setConfirming(false)} disabled={busy}>
                Keep it
              </button>
            </p>
          ) : (
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              Cancel booking<span className="visually-hidden"> {booking.reference}</span>
            </button>
          ))}
        {problem && (
          <p className="alert" role="alert">
            {describeProblem(problem)}
          </p>
        )}
      </div>
    </li>
  );
}

export function MyBookings() {
  const { session } = useSession();
  const [bookings, setBookings] = useState<Booking[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>();
  const signedIn = Boolean(session?.signedIn);

  const load = useCallback(async (pageToken: string, append: boolean) => {
    setLoading(true);
    setProblem(undefined);
    try {
      const r = await api<{ bookings: Booking[]; nextPageToken: string | null }>(
        `/api/v1/bookings?pageSize=${PAGE_SIZE}&pageToken=${encodeURIComponent(pageToken)}`,
      );
      setBookings((b) => (append ? [...b, ...r.bookings] : r.bookings));
      setNext(r.nextPageToken);
    } catch (err) {
      setProblem(err instanceof ApiProblem ? err : undefined);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    if (signedIn) void load('', false);
    else setBookings([]);
  }, [signedIn, session?.subject, load]);

  return (
    <>
      <h1 tabIndex={-1}>My bookings</h1>
      {!signedIn && session && <p>Sign in (at the top of the page) to see your bookings.</p>}
      {problem && (
        <p className="alert" role="alert">
          {describeProblem(problem)}
        </p>
      )}
      {signedIn && !loading && bookings.length === 0 && !problem && <p>No bookings yet.</p>}
      <ol className="bookings" aria-label="Bookings, newest first">
        {bookings.map((b) => (
          <BookingItem
            key={b.reference}
            booking={b}
            onChange={(changed) =>
              setBookings((all) =>
                all.map((x) => (x.reference === changed.reference ? changed : x)),
              )
            }
          />
        ))}
      </ol>
      {loading && <p role="status">Loading…</p>}
      {next && !loading && (
        <button type="button" onClick={() => void load(next, true)}>
          Show older bookings
        </button>
      )}
    </>
  );
}
