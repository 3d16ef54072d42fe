import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { find as findZones, setCache as setZoneCache } from 'geo-tz/all';
import { IANAZone } from 'luxon';

export interface Airport {
  iata: string;
  icao: string | null;
  name: string;
  city: string;
  country: string;
  latitude: number;
  longitude: number;
  /** IANA time zone, e.g. "Europe/London". */
  timeZone: string;
}

export interface Carrier {
  iata: string;
  name: string;
}

/** A non-stop city pair a carrier flies, with the aircraft types seen on it. */
export interface Route {
  carrier: string;
  origin: string;
  destination: string;
  equipment: string[];
}

/** Airports and carriers by IATA code: what dated flights are made from after the timetable. */
export interface Places {
  airports: Map<string, Airport>;
  carriers: Map<string, Carrier>;
}

export interface ReferenceData extends Places {
  /** Only what the timetable is generated from: ~67k routes, not kept after that. */
  routes: Route[];
}

const DEFAULT_DIR = fileURLToPath(new URL('../reference-data/openflights/', import.meta.url));
const NULL = '\\N';

function readRows(dir: string, file: string): string[][] {
  return parse(readFileSync(`${dir}/${file}`, 'utf8'), {
    relaxQuotes: true,
    relaxColumnCount: true,
    skipEmptyLines: true,
  }) as string[][];
}

const value = (field: string | undefined): string | null =>
  field === undefined || field === NULL || field.trim() === '' ? null : field.trim();

/**
 * Whether luxon knows the zone, asked once per zone name. Each luxon check builds an
 * Intl.DateTimeFormat whose ICU memory (~23 kB, outside V8's heap, so no GC pressure) stayed
 * allocated: one check per airport (7,698) held ~180 MB of every schedule process.
 */
const knownZones = new Map<string, boolean>();
function isValidZone(tz: string): boolean {
  let valid = knownZones.get(tz);
  if (valid === undefined) knownZones.set(tz, (valid = IANAZone.isValidZone(tz)));
  return valid;
}

/**
 * The airport's IANA zone: the snapshot's own tz column when it names a zone, otherwise the zone
 * at the airport's coordinates. The snapshot leaves the column empty (or gives only a UTC offset)
 * for a few hundred airports, among them DOH and IST; an offset is no zone (it knows no DST) and
 * no IANA name, which the contract promises. geo-tz answers from its offline boundary data (the
 * "all" set, so Tahiti is Pacific/Tahiti, not a zone that merely agrees with it since 1970); over
 * the sea it answers an Etc/GMT zone. Its boundary file is read on the first lookup only, and
 * only airports with no usable tz are looked up (see the README for the cost at start-up).
 * loadReferenceData drops geo-tz's cache of boundaries afterwards (15 MB of heap otherwise).
 */
function timeZoneOf(tz: string | null, latitude: number, longitude: number): string | null {
  if (tz && isValidZone(tz)) return tz;
  const found = findZones(latitude, longitude).find((z) => isValidZone(z));
  return found ?? null;
}

/**
 * Loads the vendored OpenFlights snapshot, keeping only what a timetable can use: airports
 * with an IATA code, coordinates and a valid IANA zone; airlines with an IATA code; non-stop,
 * non-codeshare routes between such airports (codeshares would duplicate the operating flight).
 */
export function loadReferenceData(dir: string = DEFAULT_DIR): ReferenceData {
  const airports = new Map<string, Airport>();
  for (const row of readRows(dir, 'airports.dat')) {
    const [, name, city, country, iata, icao, lat, lon, , , , tz] = row;
    const code = value(iata);
    if (!code || !/^[A-Z]{3}$/.test(code)) continue;
    const latitude = Number(lat);
    const longitude = Number(lon);
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) continue;
    const zone = timeZoneOf(value(tz), latitude, longitude);
    if (!zone) continue;
    airports.set(code, {
      iata: code,
      icao: value(icao),
      name: value(name) ?? code,
      city: value(city) ?? value(name) ?? code,
      country: value(country) ?? '',
      latitude,
      longitude,
      timeZone: zone,
    });
  }

  // The boundaries read for the lookups above are not needed again.
  setZoneCache({ store: new Map() });

  // Several airlines share an IATA code over time; the active one names it.
  const carriers = new Map<string, Carrier>();
  for (const row of readRows(dir, 'airlines.dat')) {
    const [, name, , iata, , , , active] = row;
    const code = value(iata);
    if (!code || !/^[A-Z0-9]{2}$/.test(code) || !name) continue;
    if (!carriers.has(code) || active === 'Y')
      carriers.set(code, { iata: code, name: name.trim() });
  }

  const seen = new Set<string>();
  const routes: Route[] = [];
  for (const row of readRows(dir, 'routes.dat')) {
    const [carrier, , origin, , destination, , codeshare, stops, equipment] = row;
    if (!carrier || !origin || !destination || codeshare === 'Y' || stops !== '0') continue;
    if (!/^[A-Z0-9]{2}$/.test(carrier) || !airports.has(origin) || !airports.has(destination))
      continue;
    // Some operating carriers are missing from airlines.dat; their code is the best name we have.
    if (!carriers.has(carrier)) carriers.set(carrier, { iata: carrier, name: carrier });
    if (origin === destination) continue;
    const key = `${carrier}:${origin}:${destination}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({
      carrier,
      origin,
      destination,
      equipment: (equipment ?? '').split(' ').filter(Boolean),
    });
  }
  return { airports, carriers, routes };
}
