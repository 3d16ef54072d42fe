import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../platform/errors.js';
import { PeerUnavailable } from '../../platform/peers.js';
import { AvailabilityCache } from './availability-cache.js';
import type { FlightFacts } from './domain/itinerary.js';

const facts = (flightId: string, used: number): FlightFacts => ({
  flightId,
  distanceKm: 5_540,
  departure: new Date('2026-12-02T18:00:00Z'),
  cancelled: false,
  segment: {
    flightId,
    carrierCode: 'BA',
    flightNumber: 117,
    origin: 'JFK',
    destination: 'LHR',
    departureTime: undefined,
    arrivalTime: undefined,
    departureLocal: '',
    arrivalLocal: '',
    durationMinutes: 420,
    distanceKm: 5_540,
    aircraftCode: '77W',
  },
  cabins: new Map([['economy', { capacity: 200, used, available: 200 - used }]]),
});

const down = new PeerUnavailable({ reason: 'DEPENDENCY_UNAVAILABLE', message: 'down' }, null);

/** Schedule as the cache sees it: answers with the current load, or fails as told. */
function schedule() {
  const s = {
    used: 10,
    failure: undefined as unknown,
    asked: [] as string[][],
    fetch: async (ids: string[]) => {
      s.asked.push(ids);
      if (s.failure) throw s.failure;
      return ids.map((id) => facts(id, s.used));
    },
  };
  return s;
}

describe('availability cache', () => {
  it('reuses an entry within its TTL and asks again after it', async () => {
    let now = 1_000_000; // lru-cache reads a start time of 0 as "no TTL"
    const cache = new AvailabilityCache(5_000, 100, () => now);
    const peer = schedule();
    await cache.lookup(['A', 'A', 'B'], peer.fetch);
    peer.used = 50;
    now += 4_000;
    const within = await cache.lookup(['A', 'B'], peer.fetch);
    expect(within.facts.get('A')!.cabins.get('economy')!.used).toBe(10);
    now += 2_000;
    const after = await cache.lookup(['A'], peer.fetch);
    expect(after.facts.get('A')!.cabins.get('economy')!.used).toBe(50);
    expect(peer.asked).toEqual([['A', 'B'], ['A']]);
  });

  it('with a TTL of 0 asks every time, yet keeps the last answer for when schedule is down', async () => {
    const cache = new AvailabilityCache(0);
    const peer = schedule();
    await cache.lookup(['A'], peer.fetch);
    await cache.lookup(['A'], peer.fetch);
    expect(peer.asked).toHaveLength(2);
    peer.failure = down;
    const degraded = await cache.lookup(['A', 'never-seen'], peer.fetch);
    expect(degraded.degraded).toBe(true);
    expect(degraded.error).toBe(down);
    expect(degraded.facts.get('A')!.flightId).toBe('A');
    expect(degraded.facts.has('never-seen')).toBe(false);
  });

  it('passes on an answer that is a "no" rather than degrading', async () => {
    const cache = new AvailabilityCache(0);
    const peer = schedule();
    peer.failure = new DomainError(status.NOT_FOUND, 'FLIGHT_NOT_FOUND', 'no flight ZZ1');
    await expect(cache.lookup(['ZZ1'], peer.fetch)).rejects.toBe(peer.failure);
  });

  it('forgets the least recently used flight first when full', async () => {
    const cache = new AvailabilityCache(60_000, 2, () => 0);
    const peer = schedule();
    await cache.lookup(['A', 'B'], peer.fetch);
    await cache.lookup(['A'], peer.fetch); // A is now more recently used than B
    cache.remember(facts('C', 1));
    peer.asked = [];
    await cache.lookup(['A', 'B', 'C'], peer.fetch);
    expect(peer.asked).toEqual([['B']]);
  });
});
