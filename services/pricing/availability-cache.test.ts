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

const seats = (used: number) => ({ capacity: 200, used, available: 200 - used });

/** A cache on a clock the test moves, with both feeds open and caught up at `now`. */
function liveCache(maxLagMs = 2_000, maxEntries?: number) {
  const clock = { now: 1_000 };
  const cache = new AvailabilityCache({ maxLagMs, maxEntries, clock: () => clock.now });
  for (const feed of ['seats', 'schedule'] as const) {
    cache.feedMessage(feed, false); // the first message of a connection
    cache.feedMessage(feed, true);
  }
  clock.now += 1;
  return { cache, clock };
}

describe('availability cache', () => {
  it('asks schedule once for a flight, then answers from memory kept fresh by the seat feed', async () => {
    const { cache } = liveCache();
    const peer = schedule();
    await cache.lookup(['A', 'A', 'B'], peer.fetch);
    cache.applySeats('A', 'economy', seats(120));
    const later = await cache.lookup(['A', 'B'], peer.fetch);
    expect(later.facts.get('A')!.cabins.get('economy')!.used).toBe(120);
    expect(await cache.current(['B', 'A'], peer.fetch)).toMatchObject([
      { flightId: 'B' },
      { flightId: 'A' },
    ]);
    expect(peer.asked).toEqual([['A', 'B']]);
  });

  it('answers FLIGHT_NOT_FOUND for a flight schedule left out of its answer, never a fact-less flight', async () => {
    const { cache } = liveCache();
    // Schedule answering under another spelling of the id (as BA29 for BA029 once did).
    const aliasing = async (ids: string[]) => ids.map((id) => facts(`${id}-other`, 10));
    const err = await cache.current(['A'], aliasing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: status.NOT_FOUND, reason: 'FLIGHT_NOT_FOUND' });
  });

  it('applies a retime or cancellation to a known flight and keeps its seats', async () => {
    const { cache } = liveCache();
    const peer = schedule();
    await cache.lookup(['A'], peer.fetch);
    const { cabins, ...flight } = facts('A', 10);
    void cabins;
    cache.applyFlight({ ...flight, cancelled: true });
    const [a] = await cache.current(['A'], peer.fetch);
    expect(a!.cancelled).toBe(true);
    expect(a!.cabins.get('economy')!.used).toBe(10);
    expect(peer.asked).toHaveLength(1);
  });

  it('asks schedule again once the seat feed has been silent for longer than the max lag, or is closed', async () => {
    const { cache, clock } = liveCache(2_000);
    const peer = schedule();
    await cache.lookup(['A'], peer.fetch);
    clock.now += 2_001;
    expect(cache.live).toBe(false);
    await cache.lookup(['A'], peer.fetch);
    expect(peer.asked).toHaveLength(2);
    // Caught up again (after a resume from its cursor, nothing was missed): memory again.
    cache.feedMessage('seats', true);
    await cache.lookup(['A'], peer.fetch);
    expect(peer.asked).toHaveLength(2);
    cache.feedClosed('schedule');
    await cache.lookup(['A'], peer.fetch);
    expect(peer.asked).toHaveLength(3);
  });

  it('does not trust a flight fetched before the feeds followed, nor anything after a feed lost its place', async () => {
    const clock = { now: 0 };
    const cache = new AvailabilityCache({ maxLagMs: 2_000, clock: () => clock.now });
    const peer = schedule();
    await cache.lookup(['A'], peer.fetch); // before the feeds: a change since may be missed
    clock.now += 1;
    for (const feed of ['seats', 'schedule'] as const) {
      cache.feedMessage(feed, false);
      cache.feedMessage(feed, true);
    }
    clock.now += 1;
    await cache.lookup(['A'], peer.fetch);
    await cache.lookup(['A'], peer.fetch);
    expect(peer.asked).toHaveLength(2);
    cache.feedReset('seats');
    cache.feedMessage('seats', false);
    cache.feedMessage('seats', true);
    clock.now += 1;
    await cache.lookup(['A'], peer.fetch);
    expect(peer.asked).toHaveLength(3);
  });

  it('keeps a seat state the feed brought while a fetch was on its way over that fetch’s answer', async () => {
    const { cache, clock } = liveCache();
    let release!: () => void;
    const slow = async (ids: string[]) => {
      await new Promise<void>((r) => (release = r));
      return ids.map((id) => facts(id, 10));
    };
    const pending = cache.current(['A'], slow);
    clock.now += 1;
    cache.applySeats('A', 'economy', seats(30)); // read by schedule after the fetch was
    release();
    const [a] = await pending;
    expect(a!.cabins.get('economy')!.used).toBe(30);
  });

  it('with a max lag of 0 (no feeds) asks every time, yet keeps the last answer for when schedule is down', async () => {
    const cache = new AvailabilityCache({ maxLagMs: 0 });
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
    await expect(cache.current(['A'], peer.fetch)).rejects.toBe(down);
  });

  it('passes on an answer that is a "no" rather than degrading', async () => {
    const cache = new AvailabilityCache({ maxLagMs: 0 });
    const peer = schedule();
    peer.failure = new DomainError(status.NOT_FOUND, 'FLIGHT_NOT_FOUND', 'no flight ZZ1');
    await expect(cache.lookup(['ZZ1'], peer.fetch)).rejects.toBe(peer.failure);
  });

  it('forgets the least recently used flight first when full', async () => {
    const { cache } = liveCache(60_000, 2);
    const peer = schedule();
    await cache.lookup(['A', 'B'], peer.fetch);
    await cache.lookup(['A'], peer.fetch); // A is now more recently used than B
    await cache.lookup(['C'], peer.fetch);
    peer.asked = [];
    await cache.lookup(['A', 'B', 'C'], peer.fetch);
    expect(peer.asked).toEqual([['B']]);
  });
});

describe('pricing from hints (search’s copy of the flight) and the whole inventory', () => {
  const hint = (flightId: string) => ({
    flightId,
    departure: new Date('2026-12-02T18:00:00Z'),
    distanceKm: 5_540,
    aircraftCode: '77W',
  });
  const hints = (...ids: string[]) => new Map(ids.map((id) => [id, hint(id)]));

  it('asks schedule until the seat feed has caught up from the start and the aircraft is known, then never', async () => {
    const { cache } = liveCache();
    const s = schedule();
    // The seat feed sent a cabin of "taken" while it caught up from cursor "0".
    cache.applySeats('BA2', 'economy', seats(150));
    await cache.lookup(['BA1'], s.fetch, hints('BA1'));
    expect(s.asked).toEqual([['BA1']]); // not caught up yet: asked (and 77W's layout learnt)
    cache.seatFeedCaughtUp();
    const { facts: got } = await cache.lookup(['BA2', 'BA3'], s.fetch, hints('BA2', 'BA3'));
    expect(s.asked).toEqual([['BA1']]);
    expect(got.get('BA2')!.cabins.get('economy')).toEqual(seats(150));
    // A cabin the feed never sent has no seat sold or held.
    expect(got.get('BA3')!.cabins.get('economy')).toEqual(seats(0));
    expect(cache.counts).toEqual({ fromHints: 2, fetched: 1 });
    // An aircraft type never seen: asked.
    await cache.lookup(
      ['BA4'],
      s.fetch,
      new Map([['BA4', { ...hint('BA4'), aircraftCode: '320' }]]),
    );
    expect(s.asked).toEqual([['BA1'], ['BA4']]);
  });

  it('asks schedule again once the seat feed lost its place, until it has caught up anew', async () => {
    const { cache } = liveCache();
    const s = schedule();
    await cache.lookup(['BA1'], s.fetch, hints('BA1'));
    cache.seatFeedCaughtUp();
    cache.feedReset('seats');
    cache.feedMessage('seats', false);
    cache.feedMessage('seats', true);
    await cache.lookup(['BA2'], s.fetch, hints('BA2'));
    expect(s.asked).toEqual([['BA1'], ['BA2']]);
    cache.seatFeedCaughtUp();
    await cache.lookup(['BA3'], s.fetch, hints('BA3'));
    expect(s.asked).toEqual([['BA1'], ['BA2']]);
  });
});
