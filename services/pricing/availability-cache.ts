import { LRUCache } from 'lru-cache';
import type { CabinCode } from '../../flights/codes.js';
import { ErrorReason, notFound } from '../../flights/errors.js';
import { PeerUnavailable } from '../../platform/peers.js';
import type { FlightBasis, FlightFacts } from './domain/itinerary.js';
import { pricingMetrics } from './metrics.js';

/** Fetches the facts of flights from schedule (peers.ts); rejects with a translated peer error. */
export type FetchFacts = (flightIds: string[]) => Promise<FlightFacts[]>;

/** One cabin's seats as pricing counts them (used = sold + held). */
export type CabinSeats = FlightFacts['cabins'] extends Map<CabinCode, infer S> ? S : never;

/** What a retime or cancellation changes in a flight's facts (its seats stay as they are). */
export type FlightChange = Omit<FlightFacts, 'cabins'>;

/**
 * A flight as the caller's copy of schedule has it (search's read model, sent with
 * PriceItineraries): what its fare depends on. Its cabins are its aircraft's.
 */
export interface FlightHint {
  flightId: string;
  departure: Date;
  distanceKm: number;
  aircraftCode: string;
}

export interface Lookup {
  facts: Map<string, FlightBasis>;
  /** Schedule could not answer: some facts are the last known ones, some may be missing. */
  degraded: boolean;
  /** Why schedule could not answer (a PeerUnavailable). */
  error?: PeerUnavailable;
}

/** The two feeds the cache follows (availability-feeds.ts). */
export type FeedName = 'seats' | 'schedule';

interface FeedState {
  /** Since when this feed has followed without a gap (monotonic ms); unset before it started. */
  since?: number;
  /** When it last said something that proves it caught up (monotonic ms), and if it is open. */
  lastAt?: number;
  open: boolean;
}

interface Entry {
  /** The flight as last fetched, with every change fed since; unset until a fetch. */
  facts?: FlightFacts;
  /** When the fetch behind `facts` was sent (monotonic ms). */
  fetchedAt: number;
  /** Seats the feed brought, with when each arrived: newer than a fetch sent before it. */
  fed: Map<CabinCode, { seats: CabinSeats; at: number }>;
}

export interface AvailabilityCacheOptions {
  /**
   * How stale the seat feed may be before its copy is not trusted for an answer (ms): the feed
   * must have proved itself caught up (a change or a heartbeat) within this.
   */
  maxLagMs: number;
  /** Flights kept (least recently used go first). */
  maxEntries?: number;
  /** A monotonic clock in ms (tests move it). */
  clock?: () => number;
}

/**
 * Pricing's copy of schedule's flights and seats, kept fresh by schedule's own event logs
 * (CQRS): the seat feed (WatchAvailability: every cabin whose seats changed) and the change
 * feed (WatchSchedule: retimes, cancellations), followed by availability-feeds.ts. A flight is
 * asked of schedule (one GetAvailability per batch) once, the first time it is priced; after
 * that its answers come from memory for as long as both feeds are live.
 *
 * A flight's facts are answered from memory ("fresh") only when
 * - both feeds are open and the seat feed has proved itself caught up within `maxLagMs`, and
 * - the flight was fetched after both feeds started following without a gap (a fetch made
 *   before that may have missed a change the feeds did not carry to us).
 * Otherwise the flight is fetched again. When schedule cannot answer the fetch, search pricing
 * gets the last known facts (degraded) and quotes get the error (they fail closed).
 *
 * Feed and fetch may race: a seat state the feed brought after a fetch was sent wins over that
 * fetch's answer (the feed's state is at least as new, or the newer one follows within a poll).
 * A least-recently-used cache (lru-cache) of at most `maxEntries` flights bounds memory.
 *
 * Search pricing also works without fetching a flight pricing has never seen, from a hint (the
 * flight as search's read model has it, FlightHint) and pricing's own copy of the inventory:
 * the seat feed is followed from cursor "0", so once it has said it caught up
 * (`seatFeedCaughtUp`) every cabin with a seat sold or held is in `inventory`, and any other
 * cabin is empty. A cabin's capacity is its aircraft's layout (schedule's domain/aircraft.ts),
 * learnt from the first answer about a flight of that aircraft type. Quotes never use hints.
 */
export class AvailabilityCache {
  private readonly entries: LRUCache<string, Entry>;
  private readonly feeds: Record<FeedName, FeedState> = {
    seats: { open: false },
    schedule: { open: false },
  };
  private readonly clock: () => number;
  private readonly maxLagMs: number;
  /**
   * Every cabin the seat feed sent, when it is followed from the inventory's beginning: one
   * entry per inventory row with a seat sold or held (not evicted: it is the whole inventory).
   */
  private readonly inventory = new Map<string, Map<CabinCode, CabinSeats>>();
  /** The seat feed, followed from cursor "0", has caught up once since it started: `inventory` is whole. */
  private inventoryWhole = false;
  /** Cabin capacities by aircraft type code, from schedule's answers. */
  private readonly layouts = new Map<string, Map<CabinCode, number>>();
  /** Flights priced from a hint, and flights fetched from schedule, since start (for tests; /metrics has them as pricing.flight_lookups). */
  readonly counts = { fromHints: 0, fetched: 0 };

  constructor(options: AvailabilityCacheOptions) {
    this.maxLagMs = options.maxLagMs;
    this.clock = options.clock ?? (() => performance.now());
    this.entries = new LRUCache({ max: options.maxEntries ?? 200_000 });
  }

  // ---- fed by the feeds (availability-feeds.ts) ----

  /**
   * A feed message arrived. `caughtUp` is false for the first message of a connection (a
   * heartbeat at the cursor asked for: it proves nothing about changes since).
   */
  feedMessage(feed: FeedName, caughtUp: boolean): void {
    const state = this.feeds[feed];
    const now = this.clock();
    state.open = true;
    state.since ??= now;
    if (caughtUp) state.lastAt = now;
  }

  /** The feed's call ended; it resumes from its cursor (no gap), so `since` stays. */
  feedClosed(feed: FeedName): void {
    this.feeds[feed].open = false;
  }

  /** The feed lost its place (CURSOR_EXPIRED: another database): nothing known is trusted. */
  feedReset(feed: FeedName): void {
    this.feeds[feed] = { open: false };
    this.entries.clear();
    if (feed === 'seats') {
      this.inventory.clear();
      this.inventoryWhole = false;
    }
  }

  /**
   * The seat feed, followed without a gap from cursor "0" (the feeds' follower says so only
   * then), has sent every change committed before its last poll: the inventory copy is whole.
   */
  seatFeedCaughtUp(): void {
    this.inventoryWhole = true;
  }

  /** A cabin's seats as the seat feed sent them. */
  applySeats(flightId: string, cabin: CabinCode, seats: CabinSeats): void {
    let cabins = this.inventory.get(flightId);
    if (!cabins) this.inventory.set(flightId, (cabins = new Map()));
    cabins.set(cabin, seats);
    const entry = this.entryOf(flightId);
    entry.fed.set(cabin, { seats, at: this.clock() });
    if (entry.facts)
      entry.facts = { ...entry.facts, cabins: new Map(entry.facts.cabins).set(cabin, seats) };
    this.entries.set(flightId, entry);
  }

  /** A retime or cancellation from the change feed (flights never fetched are not kept). */
  applyFlight(change: FlightChange): void {
    const entry = this.entries.get(change.flightId);
    if (entry?.facts) entry.facts = { ...change, cabins: entry.facts.cabins };
  }

  // ---- read by the handlers ----

  /** Whether answers may come from memory now (both feeds live, the seat feed caught up). */
  get live(): boolean {
    const { seats, schedule } = this.feeds;
    return (
      seats.open &&
      schedule.open &&
      seats.lastAt !== undefined &&
      this.clock() - seats.lastAt <= this.maxLagMs
    );
  }

  /** Whether a flight never fetched may be priced from a hint now: live, and the inventory whole. */
  get pricesFromHints(): boolean {
    return this.live && this.inventoryWhole;
  }

  /**
   * The basis of every flight's price: fresh facts from memory, then (when `pricesFromHints`)
   * the hinted flights whose aircraft layout is known, the rest from one `fetch`. When schedule
   * could not answer (PeerUnavailable), the last known facts instead (degraded); any other
   * failure (schedule answered "no", e.g. FLIGHT_NOT_FOUND) rejects.
   */
  async lookup(
    flightIds: string[],
    fetch: FetchFacts,
    hints: ReadonlyMap<string, FlightHint> = new Map(),
  ): Promise<Lookup> {
    const { facts: fetched, missing: unknown } = this.fromMemory(flightIds);
    const facts = fetched as Map<string, FlightBasis>;
    let missing = unknown;
    if (missing.length > 0 && hints.size > 0 && this.pricesFromHints) {
      missing = [];
      for (const id of unknown) {
        const hint = hints.get(id);
        const basis = hint && this.fromHint(hint);
        if (basis) facts.set(id, basis);
        else missing.push(id);
      }
      this.counts.fromHints += unknown.length - missing.length;
      pricingMetrics.flightLookups.add(unknown.length - missing.length, { source: 'hint' });
    }
    if (missing.length === 0) return { facts, degraded: false };
    try {
      for (const f of await this.fetchInto(missing, fetch)) facts.set(f.flightId, f);
      return { facts, degraded: false };
    } catch (error) {
      if (!(error instanceof PeerUnavailable)) throw error;
      for (const id of missing) {
        const last = this.entries.get(id)?.facts;
        if (last) facts.set(id, last);
      }
      return { facts, degraded: true, error };
    }
  }

  /**
   * The facts of every flight, in the order asked, from memory when fresh, else from one
   * `fetch` whose failure rejects (quotes fail closed). NOT_FOUND FLIGHT_NOT_FOUND for a flight
   * schedule's answer left out (it names every flight it knows; one it does not know is not a
   * flight to quote).
   */
  async current(flightIds: string[], fetch: FetchFacts): Promise<FlightFacts[]> {
    const { facts, missing } = this.fromMemory(flightIds);
    if (missing.length > 0)
      for (const f of await this.fetchInto(missing, fetch)) facts.set(f.flightId, f);
    return flightIds.map((id) => {
      const f = facts.get(id);
      if (!f)
        throw notFound(ErrorReason.ERROR_REASON_FLIGHT_NOT_FOUND, `no flight ${id}`, {
          flight_id: id,
        });
      return f;
    });
  }

  private fromMemory(flightIds: string[]): { facts: Map<string, FlightFacts>; missing: string[] } {
    const facts = new Map<string, FlightFacts>();
    const missing: string[] = [];
    const trustedFrom = this.trustedFrom();
    for (const id of new Set(flightIds)) {
      const entry = trustedFrom === undefined ? undefined : this.entries.get(id);
      if (entry?.facts && entry.fetchedAt >= trustedFrom!) facts.set(id, entry.facts);
      else missing.push(id);
    }
    pricingMetrics.flightLookups.add(facts.size, { source: 'memory' });
    return { facts, missing };
  }

  /** Since when a fetched flight is kept fresh by the feeds; undefined when not live. */
  private trustedFrom(): number | undefined {
    if (!this.live) return undefined;
    return Math.max(this.feeds.seats.since!, this.feeds.schedule.since!);
  }

  /** A flight's basis from its hint, its aircraft's layout and the inventory copy; undefined while the layout is unknown. */
  private fromHint(hint: FlightHint): FlightBasis | undefined {
    const layout = this.layouts.get(hint.aircraftCode);
    if (!layout) return undefined;
    const rows = this.inventory.get(hint.flightId);
    const cabins: FlightBasis['cabins'] = new Map();
    for (const [cabin, capacity] of layout)
      cabins.set(cabin, rows?.get(cabin) ?? { capacity, used: 0, available: capacity });
    return {
      flightId: hint.flightId,
      distanceKm: hint.distanceKm,
      departure: hint.departure,
      // Search sends only flights its read model holds as operating.
      cancelled: false,
      cabins,
    };
  }

  private entryOf(flightId: string): Entry {
    return this.entries.get(flightId) ?? { fetchedAt: -Infinity, fed: new Map() };
  }

  private async fetchInto(flightIds: string[], fetch: FetchFacts): Promise<FlightFacts[]> {
    const sentAt = this.clock();
    const fetched = await fetch(flightIds);
    this.counts.fetched += fetched.length;
    pricingMetrics.flightLookups.add(fetched.length, { source: 'schedule' });
    return fetched.map((f) => {
      // A flight's cabins are its aircraft's layout (schedule's domain/aircraft.ts).
      if (f.segment.aircraftCode && !this.layouts.has(f.segment.aircraftCode))
        this.layouts.set(
          f.segment.aircraftCode,
          new Map([...f.cabins].map(([cabin, seats]) => [cabin, seats.capacity])),
        );
      const entry = this.entryOf(f.flightId);
      const cabins = new Map(f.cabins);
      for (const [cabin, { seats, at }] of entry.fed) if (at > sentAt) cabins.set(cabin, seats);
      entry.facts = { ...f, cabins };
      entry.fetchedAt = sentAt;
      this.entries.set(f.flightId, entry);
      return entry.facts;
    });
  }
}
