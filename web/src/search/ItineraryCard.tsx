/** One itinerary: local times with zones, "+1" arrivals, stops and layovers, price, select. */
import type { Airport, Itinerary } from '../api/types';
import {
  dayOffset,
  formatDuration,
  formatMoney,
  layovers,
  localTime,
  stopsLabel,
  zoneLabel,
} from '../format';

interface Props {
  itinerary: Itinerary;
  airports: Record<string, Airport>;
  onSelect(it: Itinerary): void;
  onShowMap(it: Itinerary): void;
  onMap: boolean;
  /** Just the flights: no map or select buttons (the booking page). */
  compact?: boolean;
}

export function Time({
  iso,
  code,
  airports,
}: {
  iso: string;
  code: string;
  airports: Record<string, Airport>;
}) {
  return (
    <time dateTime={iso}>
      <strong>{localTime(iso)}</strong>{' '}
      <abbr title={airports[code]?.timeZone}>{zoneLabel(iso, airports[code]?.timeZone)}</abbr>
    </time>
  );
}

export function ItineraryCard({
  itinerary: it,
  airports,
  onSelect,
  onShowMap,
  onMap,
  compact,
}: Props) {
  const first = it.segments[0]!;
  const last = it.segments.at(-1)!;
  const days = dayOffset(first.departure, last.arrival);
  const stops = layovers(it.segments);
  const route = [first.origin, ...it.segments.map((s) => s.destination)].join(' → ');
  const titleId = `it-${it.id}`;
  return (
    <li className="itinerary" aria-labelledby={titleId}>
      <div className="times">
        <h3 id={titleId} className="visually-hidden">
          {route}, departs {localTime(first.departure)}, {stopsLabel(it.stops)}
        </h3>
        <span className="leg-end">
          <Time iso={first.departure} code={first.origin} airports={airports} />
          <span className="code">{first.origin}</span>
        </span>
        <span className="arrow" aria-hidden="true">
          →
        </span>
        <span className="leg-end">
          <span>
            <Time iso={last.arrival} code={last.destination} airports={airports} />
            {days > 0 && (
              <sup className="plus-days" title={`arrives ${days} day${days > 1 ? 's' : ''} later`}>
                +{days}
              </sup>
            )}
          </span>
          <span className="code">{last.destination}</span>
        </span>
      </div>
      <div className="details">
        <span>{formatDuration(it.durationMinutes)}</span>
        <span>{stopsLabel(it.stops)}</span>
        {stops.map((l) => (
          <span key={l.airport} className="layover">
            {formatDuration(l.minutes)} in {airports[l.airport]?.city ?? l.airport} ({l.airport})
          </span>
        ))}
        <span className="flights">{it.segments.map((s) => s.flightNumber).join(' · ')}</span>
      </div>
      <div className="price-box">
        <span className="price">{formatMoney(it.price?.total)}</span>
        {it.priceStatus !== 'priced' && (
          <span className="price-note">
            {it.priceStatus === 'estimated' ? 'estimated price' : 'price not available yet'}
          </span>
        )}
        {!compact && (
          <>
            <button
              type="button"
              className="link"
              aria-pressed={onMap}
              onClick={() => onShowMap(it)}
            >
              {onMap ? 'On the map' : 'Show on map'}
            </button>
            <button type="button" className="primary" onClick={() => onSelect(it)}>
              Select
            </button>
          </>
        )}
      </div>
    </li>
  );
}
