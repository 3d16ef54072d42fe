import { LRUCache } from 'lru-cache';
import type { FlightFacts } from './domain/itinerary.js';
import { PeerUnavailable } from '../../platform/peers.js';

/** Fetches the facts of flights from schedule (peers.ts); rejects with a translated peer error. */
export type FetchFacts = (flightIds: string[]) => Promise<FlightFacts[]>;

export interface Lookup {
  facts: Map<string, FlightFacts>;
  /** Schedule could not answer: some facts are the last known ones, some may be missing. */
  degraded: boolean;
  /** Why schedule could not answer (a PeerUnavailable). */
  error?: PeerUnavailable;
}

/**
 * Flight facts for search pricing: one schedule round-trip per batch, entries reused for
 * `ttlMs` (0: never reused), and the last known entry kept when schedule cannot answer
 * (degraded pricing). A least-recently-used cache (lru-cache) of at most `maxEntries` flights
 * keeps memory bounded on the world-size schedule; entries past their TTL stay in it, stale,
 * as the fallback, until they are the least recently used.
 */
export class AvailabilityCache {
  private readonly entries: LRUCache<string, FlightFacts>;

  /** @param now the clock entries age by, in ms (pricing's own, which tests move). */
  constructor(
    private readonly ttlMs: number,
    maxEntries = 200_000,
    now: () => number = Date.now,
  ) {
    this.entries = new LRUCache({
      max: maxEntries,
      // lru-cache reads 0 as "no TTL"; with ttlMs 0 lookup() never asks for a fresh entry.
      ttl: Math.max(1, ttlMs),
      noDeleteOnStaleGet: true,
      // Ask the clock on every check (not lru-cache's 1 ms cache of it): pricing's clock is
      // injectable and tests move it.
      ttlResolution: 0,
      perf: { now },
    });
  }

  /**
   * The facts of every flight: fresh ones from the cache, the rest from `fetch`. When schedule
   * could not answer (PeerUnavailable), the last known facts instead; any other failure (schedule
   * answered "no", e.g. FLIGHT_NOT_FOUND) rejects.
   */
  async lookup(flightIds: string[], fetch: FetchFacts): Promise<Lookup> {
    const facts = new Map<string, FlightFacts>();
    const missing: string[] = [];
    for (const id of new Set(flightIds)) {
      const fresh = this.ttlMs > 0 ? this.entries.get(id) : undefined;
      if (fresh) facts.set(id, fresh);
      else missing.push(id);
    }
    if (missing.length === 0) return { facts, degraded: false };
    try {
      for (const f of await fetch(missing)) {
        this.remember(f);
        facts.set(f.flightId, f);
      }
      return { facts, degraded: false };
    } catch (error) {
      if (!(error instanceof PeerUnavailable)) throw error;
      for (const id of missing) {
        const last = this.entries.get(id, { allowStale: true });
        if (last) facts.set(id, last);
      }
      return { facts, degraded: true, error };
    }
  }

  /** Keeps facts fetched elsewhere (quotes, confirmations) for search pricing to reuse. */
  remember(f: FlightFacts): void {
    this.entries.set(f.flightId, f);
  }
}
