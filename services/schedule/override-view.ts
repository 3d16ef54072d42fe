import type { ChangeFeedStore, AppliedChange } from './change-feed-store.js';
import type { FlightOverride } from './domain/flight-changes.js';
import type { OverrideStore } from './override-store.js';

/**
 * The operational overrides in memory, kept fresh by the service's own change feed, so reads
 * (GetFlight, ListFlights, GetAvailability, holds) never ask the database about them. A profile
 * of GetFlight put that one lookup at half the CPU.
 *
 * Fresh means: a change made through this instance is in the view before its RPC answers (the
 * feed store announces it when it commits); a change made through another instance sharing the
 * database is in the view after the next `catchUp()` (every FEED_POLL_MS, and before every
 * listing). Overrides are few (operators' retimes and cancellations), so all of them fit.
 */
export class OverrideView {
  private readonly byFlight = new Map<string, FlightOverride>();
  /** Every feed event up to this seq is reflected in the view. */
  private through = 0;
  private catchingUp: Promise<void> | undefined;

  constructor(
    private readonly store: OverrideStore,
    private readonly feed: ChangeFeedStore,
  ) {
    feed.events.on('event', (applied: AppliedChange) => this.keep(applied.override));
  }

  /** Loads every override; call once before serving. */
  async load(): Promise<void> {
    // The head first: a change committing meanwhile has a later seq, and catchUp rereads it.
    const head = await this.feed.head();
    for (const o of await this.store.all()) this.keep(o);
    this.through = Math.max(this.through, head);
  }

  /** The feed position the view is consistent at: watch from here to miss nothing later. */
  get cursor(): number {
    return this.through;
  }

  /** Reads what other instances changed since the last look (one query when nothing did). */
  catchUp(): Promise<void> {
    this.catchingUp ??= this.readNewEvents().finally(() => {
      this.catchingUp = undefined;
    });
    return this.catchingUp;
  }

  /** Rereads one flight's override from the database (a retried change another instance made). */
  async reread(flightId: string): Promise<void> {
    for (const o of (await this.store.overrides([flightId])).values()) this.keep(o);
  }

  get(flightId: string): FlightOverride | undefined {
    return this.byFlight.get(flightId);
  }

  /** Overrides of flights departing between two local dates ("YYYY-MM-DD"), both included. */
  between(fromDate: string, toDate: string): Map<string, FlightOverride> {
    const found = new Map<string, FlightOverride>();
    for (const [id, o] of this.byFlight)
      if (o.departureDate >= fromDate && o.departureDate <= toDate) found.set(id, o);
    return found;
  }

  private async readNewEvents(): Promise<void> {
    for (;;) {
      const events = await this.feed.eventsAfter(this.through);
      if (events.length === 0) return;
      const changed = await this.store.overrides([...new Set(events.map((e) => e.flightId))]);
      for (const o of changed.values()) this.keep(o);
      this.through = Math.max(this.through, events.at(-1)!.seq);
    }
  }

  /** Versions only go up: a reread that raced with a newer local change never undoes it. */
  private keep(o: FlightOverride): void {
    const held = this.byFlight.get(o.flightId);
    if (!held || held.version <= o.version) this.byFlight.set(o.flightId, o);
  }
}
