/**
 * Booking the selected itinerary: quote (price breakdown, countdown; a new quote when it has
 * expired) → passenger details (field errors from the BFF) → book once per attempt
 * (Idempotency-Key) → confirmation with the reference.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiProblem, randomKey } from '../api/http';
import { describeProblem } from '../api/messages';
import type { Booking, BookingBody, Quote } from '../api/types';
import { CABIN_LABELS } from '../api/types';
import { formatDate, localDate } from '../format';
import { ItineraryCard } from '../search/ItineraryCard';
import { toParams } from '../search/query';
import { useAirports } from '../airports';
import { useSession } from '../session';
import { attemptKey } from './attempt';
import { Confirmation } from './Confirmation';
import { draftFor, PassengerForm, type Draft } from './PassengerForm';
import { QuoteView, useTimeLeft } from './QuoteView';
import { loadSelection, saveSelection, type Selection } from './selection';

/** Problems after which this quote cannot be booked: the traveller must re-quote or go back. */
const NEEDS_NEW_QUOTE = new Set(['QUOTE_EXPIRED', 'PRICE_CHANGED', 'ITINERARY_CHANGED']);
const DEAD_END = new Set(['SOLD_OUT', 'FLIGHT_CANCELLED']);

export function BookPage() {
  const { session } = useSession();
  const [selection, setSelection] = useState<Selection | undefined>(loadSelection);
  const [draft, setDraft] = useState<Draft | undefined>(
    () => selection && draftFor(selection.query),
  );
  const [quoting, setQuoting] = useState(false);
  const [booking, setBooking] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const inFlight = useRef(false);
  const quote = selection?.quote;
  const timeLeft = useTimeLeft(quote?.expiresAt);
  const expired = Boolean(quote) && (timeLeft === 0 || problem?.reason === 'QUOTE_EXPIRED');
  const airports = useAirports(
    selection?.itinerary.segments.flatMap((s) => [s.origin, s.destination]) ?? [],
  );

  const update = useCallback((patch: Partial<Selection>) => {
    setSelection((s) => {
      const next = s && { ...s, ...patch };
      if (next) saveSelection(next);
      return next;
    });
  }, []);

  const requote = useCallback(async () => {
    if (!selection) return;
    setQuoting(true);
    setProblem(undefined);
    try {
      const { adults, children, infants, cabin } = selection.query;
      const q = await api<Quote>('/api/v1/quotes', {
        method: 'POST',
        headers: { 'idempotency-key': `quote-${randomKey()}` },
        body: {
          flightIds: selection.itinerary.segments.map((s) => s.flightId),
          passengers: { adults, children, infants },
          cabin,
        },
      });
      update({ quote: q });
    } catch (err) {
      setProblem(err instanceof ApiProblem ? err : undefined);
    } finally {
      setQuoting(false);
    }
  }, [selection, update]);

  // A quote as soon as the page opens (unless this tab already holds a live one).
  const asked = useRef(false);
  useEffect(() => {
    if (asked.current || !selection || selection.booking) return;
    asked.current = true;
    const live = selection.quote?.expiresAt && Date.parse(selection.quote.expiresAt) > Date.now();
    if (!live) void requote();
  }, [selection, requote]);

  if (!selection || !draft)
    return (
      <>
        <h1 tabIndex={-1}>Book</h1>
        <p>
          Nothing selected yet. <a href="/">Search for a flight</a> and select one to book it.
        </p>
      </>
    );

  if (selection.booking)
    return (
      <>
        <h1 tabIndex={-1}>Thank you</h1>
        <Confirmation booking={selection.booking} />
      </>
    );

  const book = async () => {
    if (!quote || inFlight.current) return;
    inFlight.current = true;
    setBooking(true);
    setProblem(undefined);
    setFieldErrors({});
    const body: BookingBody = {
      quoteId: quote.id,
      passengers: draft.passengers.map((p) => ({
        givenName: p.givenName,
        familyName: p.familyName,
        type: p.type,
        dateOfBirth: p.dateOfBirth,
      })),
      contactEmail: draft.contactEmail,
    };
    try {
      const made = await api<Booking>('/api/v1/bookings', {
        method: 'POST',
        headers: { 'idempotency-key': attemptKey(body) },
        body,
      });
      update({ booking: made });
      window.scrollTo(0, 0);
    } catch (err) {
      const p = err instanceof ApiProblem ? err : undefined;
      setProblem(p);
      if (p?.status === 400) setFieldErrors(p.fieldErrors());
    } finally {
      inFlight.current = false;
      setBooking(false);
    }
  };

  const { query, itinerary } = selection;
  const deadEnd = Boolean(problem?.reason && DEAD_END.has(problem.reason));
  const needsQuote = expired || Boolean(problem?.reason && NEEDS_NEW_QUOTE.has(problem.reason));
  const signedIn = Boolean(session?.signedIn);
  return (
    <>
      <h1 tabIndex={-1}>Book your flight</h1>
      <p>
        {formatDate(localDate(itinerary.segments[0]!.departure))} · {CABIN_LABELS[query.cabin]} ·{' '}
        <a href={`/?${toParams(query).toString()}`}>Back to results</a>
      </p>
      <ol className="itineraries">
        <ItineraryCard
          itinerary={itinerary}
          airports={airports}
          onSelect={() => undefined}
          onShowMap={() => undefined}
          onMap={false}
          compact
        />
      </ol>
      {problem && problem.status !== 400 && (
        <div className="alert" role="alert">
          <p>{describeProblem(problem)}</p>
          {deadEnd && <a href={`/?${toParams(query).toString()}`}>Back to results</a>}
        </div>
      )}
      {quoting && !quote && <p role="status">Getting your price…</p>}
      {quote && (
        <QuoteView quote={quote} timeLeftMs={problem?.reason === 'QUOTE_EXPIRED' ? 0 : timeLeft} />
      )}
      {(needsQuote || (!quote && problem && !quoting)) && !deadEnd && (
        <p>
          <button
            type="button"
            className="primary"
            onClick={() => void requote()}
            disabled={quoting}
          >
            {quoting ? 'Getting a new price…' : 'Get a new price'}
          </button>
        </p>
      )}
      {!signedIn && (
        <p className="note" role="note">
          Sign in (at the top of the page) to book.
        </p>
      )}
      <PassengerForm
        draft={draft}
        onChange={setDraft}
        onSubmit={() => void book()}
        errors={fieldErrors}
        busy={booking}
        disabled={!quote || needsQuote || deadEnd || !signedIn || booking}
        submitLabel="Book now"
      />
    </>
  );
}
