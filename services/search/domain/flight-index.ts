/** A flight as search needs it: instants as epoch ms for arithmetic, the rest for display. */
export interface IndexedFlight {
  flightId: string;
  carrier: string;
  flightNumber: number;
  origin: string;
  destination: string;
  /** Local departure date at the origin, "YYYY-MM-DD". */
  departureDate: string;
  departureMs: number;
  arrivalMs: number;
  departureLocal: string;
  arrivalLocal: string;
  durationMinutes: number;
  distanceKm: number;
  aircraft: string;
  version: number;
}

/**
 * The read model: flights by origin sorted by departure instant (so the connections out of an
 * airport in a time window are one binary search away), and the route graph both ways for
 * pruning: a connection through X is only tried if X has a route onward to where we go.
 */
export class FlightIndex {
  private readonly byId = new Map<string, IndexedFlight>();
  private readonly byOrigin = new Map<string, IndexedFlight[]>();
  /** origin → destination → number of indexed flights (a route exists while > 0). */
  private readonly routes = new Map<string, Map<string, number>>();
  private readonly reverse = new Map<string, Map<string, number>>();

  get size(): number {
    return this.byId.size;
  }

  get(flightId: string): IndexedFlight | undefined {
    return this.byId.get(flightId);
  }

  /** Adds a flight, or replaces it when its version is not older than the one held. */
  upsert(f: IndexedFlight): boolean {
    const old = this.byId.get(f.flightId);
    if (old && old.version > f.version) return false;
    if (old) this.remove(old.flightId);
    this.byId.set(f.flightId, f);
    const list = this.byOrigin.get(f.origin) ?? [];
    list.splice(lowerBound(list, f.departureMs), 0, f);
    this.byOrigin.set(f.origin, list);
    count(this.routes, f.origin, f.destination, 1);
    count(this.reverse, f.destination, f.origin, 1);
    return true;
  }

  remove(flightId: string): boolean {
    const f = this.byId.get(flightId);
    if (!f) return false;
    this.byId.delete(flightId);
    const list = this.byOrigin.get(f.origin)!;
    for (let i = lowerBound(list, f.departureMs); i < list.length; i++) {
      if (list[i]!.flightId === flightId) {
        list.splice(i, 1);
        break;
      }
    }
    count(this.routes, f.origin, f.destination, -1);
    count(this.reverse, f.destination, f.origin, -1);
    return true;
  }

  /** Flights leaving an airport with fromMs ≤ departure ≤ toMs, in departure order. */
  *departures(origin: string, fromMs: number, toMs: number): Generator<IndexedFlight> {
    const list = this.byOrigin.get(origin);
    if (!list) return;
    for (let i = lowerBound(list, fromMs); i < list.length && list[i]!.departureMs <= toMs; i++)
      yield list[i]!;
  }

  destinationsFrom(origin: string): Iterable<string> {
    return this.routes.get(origin)?.keys() ?? [];
  }

  originsTo(destination: string): ReadonlySet<string> {
    return new Set(this.reverse.get(destination)?.keys() ?? []);
  }

  hasRoute(origin: string, destination: string): boolean {
    return (this.routes.get(origin)?.get(destination) ?? 0) > 0;
  }

  airports(): Iterable<string> {
    return this.byOrigin.keys();
  }
}

function lowerBound(list: IndexedFlight[], ms: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.departureMs < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function count(
  graph: Map<string, Map<string, number>>,
  from: string,
  to: string,
  delta: number,
): void {
  const edges = graph.get(from) ?? new Map<string, number>();
  const n = (edges.get(to) ?? 0) + delta;
  if (n > 0) edges.set(to, n);
  else edges.delete(to);
  graph.set(from, edges);
}
