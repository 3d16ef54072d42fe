/**
 * The results as they stream in: a live status ("still searching"), the summary's notes, sort
 * and filters applied in the page, the map of the itinerary in focus, and the list.
 */
import { lazy, Suspense, useMemo, useState } from 'react';
import { useAirports } from '../airports';
import { describeProblem } from '../api/messages';
import type { Itinerary } from '../api/types';
import type { MapLeg } from '../map/RouteMap';
import { ItineraryCard } from './ItineraryCard';
import { carriersOf, NO_FILTERS, refine, type Filters, type SortBy } from './refine';
import type { SearchState } from './useSearchStream';

const RouteMap = lazy(() => import('../map/RouteMap'));

interface Props {
  state: SearchState;
  onSelect(it: Itinerary): void;
}

const HOURS = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:00`);

function toggle<T>(list: T[], item: T): T[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}

export function Results({ state, onSelect }: Props) {
  const [sortBy, setSortBy] = useState<SortBy>('price');
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [mapId, setMapId] = useState<string>();
  const { itineraries, status, summary } = state;

  const shown = useMemo(() => refine(itineraries, sortBy, filters), [itineraries, sortBy, filters]);
  const carriers = useMemo(() => carriersOf(itineraries), [itineraries]);
  const stopCounts = useMemo(
    () => [...new Set(itineraries.map((i) => i.stops))].sort(),
    [itineraries],
  );
  const airports = useAirports(
    itineraries.flatMap((i) => i.segments.flatMap((s) => [s.origin, s.destination])),
  );
  const onMap = shown.find((i) => i.id === mapId) ?? shown[0];
  const legs: MapLeg[] = (onMap?.segments ?? []).flatMap((s) => {
    const a = airports[s.origin];
    const b = airports[s.destination];
    return a && b
      ? [
          {
            from: { code: a.code, lon: a.longitude, lat: a.latitude },
            to: { code: b.code, lon: b.longitude, lat: b.latitude },
          },
        ]
      : [];
  });

  if (status === 'idle') return null;
  const unpriced = itineraries.filter((i) => i.priceStatus !== 'priced').length;
  return (
    <section className="results" aria-labelledby="results-title">
      <h2 id="results-title">Flights</h2>
      <div className="status" role="status" aria-live="polite">
        {status === 'searching' && (
          <p className="searching">
            <span className="spinner" aria-hidden="true" /> Still searching… {itineraries.length}{' '}
            found so far
          </p>
        )}
        {status === 'done' && (
          <p>
            {itineraries.length === 0
              ? 'No flights found for this search. Try another date or allow more stops.'
              : `${itineraries.length} itineraries found${shown.length < itineraries.length ? `, ${shown.length} shown` : ''}.`}
          </p>
        )}
        {summary?.partial && (
          <p className="note">
            The search ran out of time: these are the flights found so far, there may be more.
          </p>
        )}
        {summary?.note && <p className="note">{summary.note}</p>}
        {status !== 'searching' && unpriced > 0 && (
          <p className="note">
            {unpriced} of these could not be priced exactly right now; their price is shown when you
            select them.
          </p>
        )}
      </div>
      {status === 'failed' && (
        <p className="alert" role="alert">
          {describeProblem(state.problem)}
        </p>
      )}
      {itineraries.length > 0 && (
        <>
          <div className="refine">
            <div className="field">
              <label htmlFor="sort">Sort by</label>
              <select
                id="sort"
                value={sortBy}
                onChange={(e) => setSortBy(e.target.value as SortBy)}
              >
                <option value="price">Lowest price</option>
                <option value="duration">Shortest</option>
                <option value="departure">Earliest departure</option>
              </select>
            </div>
            <fieldset>
              <legend>Stops</legend>
              {stopCounts.map((n) => (
                <label key={n} className="check">
                  <input
                    type="checkbox"
                    checked={filters.stops.includes(n)}
                    onChange={() => setFilters((f) => ({ ...f, stops: toggle(f.stops, n) }))}
                  />
                  {n === 0 ? 'Direct' : `${n} stop${n > 1 ? 's' : ''}`}
                </label>
              ))}
            </fieldset>
            <fieldset>
              <legend>Airlines</legend>
              {carriers.map((c) => (
                <label key={c} className="check">
                  <input
                    type="checkbox"
                    checked={filters.carriers.includes(c)}
                    onChange={() => setFilters((f) => ({ ...f, carriers: toggle(f.carriers, c) }))}
                  />
                  {c}
                </label>
              ))}
            </fieldset>
            <fieldset className="window">
              <legend>Departure time</legend>
              <label htmlFor="depart-from">from</label>
              <select
                id="depart-from"
                value={filters.departFrom}
                onChange={(e) => setFilters((f) => ({ ...f, departFrom: e.target.value }))}
              >
                {HOURS.map((h) => (
                  <option key={h}>{h}</option>
                ))}
              </select>
              <label htmlFor="depart-to">to</label>
              <select
                id="depart-to"
                value={filters.departTo}
                onChange={(e) => setFilters((f) => ({ ...f, departTo: e.target.value }))}
              >
                {[...HOURS.slice(1), '23:59'].map((h) => (
                  <option key={h}>{h}</option>
                ))}
              </select>
            </fieldset>
          </div>
          {onMap && (
            <figure className="map">
              <Suspense fallback={<div className="map-placeholder">Loading map…</div>}>
                <RouteMap
                  legs={legs}
                  label={`Map of ${[onMap.segments[0]!.origin, ...onMap.segments.map((s) => s.destination)].join(' to ')}`}
                />
              </Suspense>
              <figcaption>
                {[onMap.segments[0]!.origin, ...onMap.segments.map((s) => s.destination)].join(
                  ' → ',
                )}
              </figcaption>
            </figure>
          )}
          <ol className="itineraries" aria-label="Itineraries">
            {shown.map((it) => (
              <ItineraryCard
                key={it.id}
                itinerary={it}
                airports={airports}
                onSelect={onSelect}
                onShowMap={(i) => setMapId(i.id)}
                onMap={it.id === onMap?.id}
              />
            ))}
          </ol>
          {shown.length === 0 && <p>No flight matches these filters.</p>}
        </>
      )}
    </section>
  );
}
