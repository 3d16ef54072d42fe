import { FlightStatus, type Cabin, type FlightSegment } from '../../gen/ts/flights/v1/common.js';
import type { FlightAvailability } from '../../gen/ts/flights/v1/schedule.js';
import type { CabinCode } from '../../flights/codes.js';
import { cabinCode } from '../../flights/enums.js';
import { segmentOf } from '../../flights/segments.js';

/** What pricing needs to know about one dated flight, taken from schedule's availability. */
export interface FlightFacts {
  flightId: string;
  distanceKm: number;
  departure: Date;
  cancelled: boolean;
  segment: FlightSegment;
  cabins: Map<CabinCode, { capacity: number; used: number; available: number }>;
}

export const cabinCodeOf = (cabin: Cabin): CabinCode => cabinCode(cabin) ?? 'economy';

export function factsOf(a: FlightAvailability): FlightFacts {
  const f = a.flight!;
  const cabins = new Map<CabinCode, { capacity: number; used: number; available: number }>();
  for (const c of a.cabins) {
    const code = cabinCode(c.cabin);
    if (code)
      cabins.set(code, { capacity: c.capacity, used: c.sold + c.held, available: c.available });
  }
  return {
    flightId: f.flightId,
    distanceKm: f.distanceKm,
    departure: f.departureTime ?? new Date(0),
    cancelled: f.status === FlightStatus.FLIGHT_STATUS_CANCELLED,
    segment: segmentOf(f),
    cabins,
  };
}

/** Share of a cabin sold or held; a cabin the aircraft lacks counts as full. */
export function loadFactor(facts: FlightFacts, cabin: CabinCode): number {
  const c = facts.cabins.get(cabin);
  return c && c.capacity > 0 ? c.used / c.capacity : 1;
}

export function seatsAvailable(facts: FlightFacts, cabin: CabinCode): number {
  return facts.cancelled ? 0 : (facts.cabins.get(cabin)?.available ?? 0);
}

type Fetch = (flightIds: string[]) => Promise<FlightAvailability[]>;

/**
 * Availability for search pricing: one schedule round-trip per batch, entries reused for a
 * short TTL, and the last known entry kept when schedule cannot answer (degraded pricing).
 */
export class AvailabilityCache {
  private readonly entries = new Map<string, { facts: FlightFacts; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 200_000,
    private readonly now: () => number = Date.now,
  ) {}

  async lookup(
    flightIds: string[],
    fetch: Fetch,
  ): Promise<{ facts: Map<string, FlightFacts>; degraded: boolean; error?: unknown }> {
    const now = this.now();
    const facts = new Map<string, FlightFacts>();
    const stale: string[] = [];
    for (const id of new Set(flightIds)) {
      const e = this.entries.get(id);
      if (e && now - e.at < this.ttlMs) facts.set(id, e.facts);
      else stale.push(id);
    }
    if (stale.length === 0) return { facts, degraded: false };
    try {
      for (const a of await fetch(stale)) this.remember(factsOf(a), now, facts);
      return { facts, degraded: false };
    } catch (error) {
      for (const id of stale) {
        const e = this.entries.get(id);
        if (e) facts.set(id, e.facts);
      }
      return { facts, degraded: true, error };
    }
  }

  remember(f: FlightFacts, at: number, into?: Map<string, FlightFacts>): void {
    // Oldest-first eviction keeps memory bounded on the world-size schedule.
    if (this.entries.size >= this.maxEntries)
      this.entries.delete(this.entries.keys().next().value!);
    this.entries.delete(f.flightId);
    this.entries.set(f.flightId, { facts: f, at });
    into?.set(f.flightId, f);
  }
}
