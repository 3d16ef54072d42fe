/**
 * Operations (operator role): a day's flights on a route, and retiming or cancelling one. The
 * change goes to schedule, whose change feed carries it to search: new searches reflect it.
 */
import { useState, type FormEvent } from 'react';
import { api, ApiProblem, randomKey } from '../api/http';
import { describeProblem } from '../api/messages';
import type { Flight } from '../api/types';
import { useAirports } from '../airports';
import { dayOffset, localTime, zoneLabel } from '../format';
import { AirportInput } from '../search/AirportInput';
import { useSession } from '../session';

/** "2026-12-01T08:25:00-05:00" with its time replaced by "09:40", same date and offset. */
const withTime = (iso: string, hhmm: string) => `${iso.slice(0, 11)}${hhmm}:00${iso.slice(19)}`;

function FlightRow({
  flight,
  zones,
  onChange,
}: {
  flight: Flight;
  /** IANA time zones by airport code, for the zone labels (as on the search page). */
  zones: Record<string, string | undefined>;
  onChange(f: Flight): void;
}) {
  const [mode, setMode] = useState<'idle' | 'retime' | 'cancel'>('idle');
  const [time, setTime] = useState(localTime(flight.departure));
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const id = flight.flightId;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    setErrors({});
    try {
      const changed = await api<Flight>(`/api/v1/flights/${id}/${mode}`, {
        method: 'POST',
        headers: { 'idempotency-key': `op-${randomKey()}` },
        body:
          mode === 'retime' ? { departure: withTime(flight.departure, time), reason } : { reason },
      });
      onChange(changed);
      setMode('idle');
      setReason('');
    } catch (err) {
      const p = err instanceof ApiProblem ? err : undefined;
      setProblem(p);
      if (p?.status === 400) setErrors(p.fieldErrors());
    } finally {
      setBusy(false);
    }
  };

  return (
    <tr className={`flight status-${flight.status}`}>
      <th scope="row">{flight.flightNumber}</th>
      <td>
        {localTime(flight.departure)}{' '}
        <span className="hint">{zoneLabel(flight.departure, zones[flight.origin])}</span> →{' '}
        {localTime(flight.arrival)}{' '}
        <span className="hint">{zoneLabel(flight.arrival, zones[flight.destination])}</span>
        {dayOffset(flight.departure, flight.arrival) > 0 && (
          <sup className="plus-days">+{dayOffset(flight.departure, flight.arrival)}</sup>
        )}
      </td>
      <td>
        <span className="badge">{flight.status}</span>
      </td>
      <td>
        {mode === 'idle' ? (
          flight.status !== 'cancelled' && (
            <>
              <button type="button" onClick={() => setMode('retime')}>
                Retime<span className="visually-hidden"> {flight.flightNumber}</span>
              </button>{' '}
              <button type="button" className="danger" onClick={() => setMode('cancel')}>
                Cancel<span className="visually-hidden"> {flight.flightNumber}</span>
              </button>
            </>
          )
        ) : (
          <form
            onSubmit={(e) => void submit(e)}
            noValidate
            aria-label={`${mode === 'retime' ? 'Retime' : 'Cancel'} ${flight.flightNumber}`}
            className="inline-form"
          >
            {mode === 'retime' && (
              <div className="field">
                <label htmlFor={`${id}-time`}>New departure (local)</label>
                <input
                  id={`${id}-time`}
                  type="time"
                  value={time}
                  onChange={(e) => setTime(e.target.value)}
                  aria-invalid={errors.departure ? true : undefined}
                  aria-describedby={errors.departure ? `${id}-time-error` : undefined}
                />
                {errors.departure && (
                  <p id={`${id}-time-error`} className="field-error">
                    {errors.departure}
                  </p>
                )}
              </div>
            )}
            <div className="field">
              <label htmlFor={`${id}-reason`}>Reason</label>
              <input
                id={`${id}-reason`}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                aria-invalid={errors.reason ? true : undefined}
                aria-describedby={errors.reason ? `${id}-reason-error` : undefined}
              />
              {errors.reason && (
                <p id={`${id}-reason-error`} className="field-error">
                  {errors.reason}
                </p>
              )}
            </div>
            <button
              type="submit"
              className={mode === 'cancel' ? 'danger' : 'primary'}
              disabled={busy}
            >
              {mode === 'retime' ? 'Save new time' : 'Cancel flight'}
            </button>{' '}
            <button type="button" onClick={() => setMode('idle')} disabled={busy}>
              Back
            </button>
            {problem && problem.status !== 400 && (
              <p className="alert" role="alert">
                {describeProblem(problem)}
              </p>
            )}
          </form>
        )}
      </td>
    </tr>
  );
}

export function OperatorPage() {
  const { session } = useSession();
  const [origin, setOrigin] = useState('');
  const [destination, setDestination] = useState('');
  const [date, setDate] = useState('');
  const [flights, setFlights] = useState<Flight[]>();
  const [problem, setProblem] = useState<ApiProblem>();
  const [loading, setLoading] = useState(false);
  const airports = useAirports(flights?.flatMap((f) => [f.origin, f.destination]) ?? []);
  const zones = Object.fromEntries(Object.values(airports).map((a) => [a.code, a.timeZone]));

  if (!session) return null;
  if (!session.roles.includes('operator'))
    return (
      <>
        <h1 tabIndex={-1}>Operations</h1>
        <p>This page is for operators. Sign in with the operator role to use it.</p>
      </>
    );

  const list = async (e: FormEvent) => {
    e.preventDefault();
    setLoading(true);
    setProblem(undefined);
    try {
      const r = await api<{ flights: Flight[] }>(
        `/api/v1/flights?${new URLSearchParams({ origin, destination, date }).toString()}`,
      );
      setFlights(r.flights);
    } catch (err) {
      setProblem(err instanceof ApiProblem ? err : undefined);
    } finally {
      setLoading(false);
    }
  };

  return (
    <>
      <h1 tabIndex={-1}>Operations</h1>
      <form
        className="search-form"
        onSubmit={(e) => void list(e)}
        noValidate
        aria-label="Find flights"
      >
        <AirportInput label="From" name="origin" value={origin} onChange={setOrigin} />
        <AirportInput label="To" name="destination" value={destination} onChange={setDestination} />
        <div className="field">
          <label htmlFor="op-date">Date</label>
          <input id="op-date" type="date" value={date} onChange={(e) => setDate(e.target.value)} />
        </div>
        <button type="submit" className="primary" disabled={loading}>
          List flights
        </button>
      </form>
      {problem && (
        <div className="alert" role="alert">
          <p>{describeProblem(problem)}</p>
          {/* Fields the operator can correct; a 401's header is not one (the message says sign in). */}
          {problem.status === 400 && problem.problem.errors && (
            <ul>
              {problem.problem.errors.map((e) => (
                <li key={e.field}>
                  {e.field}: {e.detail}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {flights && (
        <>
          <p className="note">
            Changes reach search through the schedule's change feed: new searches show them within
            moments.
          </p>
          <table className="flights">
            <caption>
              {flights.length} flight{flights.length === 1 ? '' : 's'} from {origin} to{' '}
              {destination} on {date}
            </caption>
            <thead>
              <tr>
                <th scope="col">Flight</th>
                <th scope="col">Local times</th>
                <th scope="col">Status</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {flights.map((f) => (
                <FlightRow
                  key={f.flightId}
                  flight={f}
                  zones={zones}
                  onChange={(c) =>
                    setFlights((all) => all?.map((x) => (x.flightId === c.flightId ? c : x)))
                  }
                />
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
