import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
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

/**
 * Each row of one of the snapshot's CSV files, as it is parsed: the rows are not collected first,
 * so a row a caller skips or maps is garbage while it is still young. Collecting the files as
 * arrays of strings (routes.dat alone is 67k rows of 9 fields) grew an idle schedule's heap to
 * ~60 MB during start-up, and V8 kept most of those pages resident afterwards.
 */
function eachRow(dir: string, file: string, onRow: (row: string[]) => void): void {
  Papa.parse<string[]>(readFileSync(`${dir}/${file}`, 'utf8'), {
    skipEmptyLines: true,
    step: (result) => onRow(result.data),
  });
}

/**
 * A field's text as a string of its own. The parser hands out fields as slices of the whole
 * file's text, and V8 keeps a slice's parent alive: the airports and carriers kept their two
 * files (3 MB of heap, airports.dat as a two-byte string) resident for good.
 */
const own = (text: string): string => Buffer.from(text, 'utf8').toString('utf8');

const value = (field: string | undefined): string | null =>
  field === undefined || field === NULL || field.trim() === '' ? null : own(field.trim());

/** The zones ICU knows under their canonical names (~420): one call, no formatter per zone. */
const canonicalZones = new Set(Intl.supportedValuesOf('timeZone'));

/**
 * Whether luxon knows the zone. A canonical name is looked up in the set above; only the few
 * others (aliases such as Pacific/Johnston) are asked of luxon, once per name. Each luxon check
 * builds an Intl.DateTimeFormat, and ICU keeps ~28 kB of the zone's data for good, outside V8's
 * heap: one check per airport (7,698) held ~180 MB of every schedule process, one per distinct
 * zone (~300) still ~11 MB (measured: malloc'd memory before and after, a full GC between).
 */
const knownZones = new Map<string, boolean>();
function isValidZone(tz: string): boolean {
  if (canonicalZones.has(tz)) return true;
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
  eachRow(dir, 'airports.dat', (row) => {
    const [, name, city, country, iata, icao, lat, lon, , , , tz] = row;
    const code = value(iata);
    if (!code || !/^[A-Z]{3}$/.test(code)) return;
    const latitude = Number(lat);
    const longitude = Number(lon);
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return;
    const zone = timeZoneOf(value(tz), latitude, longitude);
    if (!zone) return;
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
  });

  // The boundaries read for the lookups above are not needed again.
  setZoneCache({ store: new Map() });

  // Several airlines share an IATA code over time; the active one names it.
  const carriers = new Map<string, Carrier>();
  eachRow(dir, 'airlines.dat', (row) => {
    const [, name, , iata, , , , active] = row;
    const code = value(iata);
    if (!code || !/^[A-Z0-9]{2}$/.test(code) || !name) return;
    if (!carriers.has(code) || active === 'Y')
      carriers.set(code, { iata: code, name: own(name.trim()) });
  });

  const seen = new Set<string>();
  const routes: Route[] = [];
  eachRow(dir, 'routes.dat', (row) => {
    const [carrier, , origin, , destination, , codeshare, stops, equipment] = row;
    if (!carrier || !origin || !destination || codeshare === 'Y' || stops !== '0') return;
    if (!/^[A-Z0-9]{2}$/.test(carrier) || !airports.has(origin) || !airports.has(destination))
      return;
    // Some operating carriers are missing from airlines.dat; their code is the best name we have.
    if (!carriers.has(carrier)) carriers.set(carrier, { iata: carrier, name: carrier });
    if (origin === destination) return;
    const key = `${carrier}:${origin}:${destination}`;
    if (seen.has(key)) return;
    seen.add(key);
    routes.push({
      carrier,
      origin,
      destination,
      equipment: (equipment ?? '').split(' ').filter(Boolean),
    });
  });
  return { airports, carriers, routes };
}
