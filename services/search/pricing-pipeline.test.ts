import { setImmediate as settled } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Cabin } from '../../gen/ts/flights/v1/common.js';
import type { PriceItinerariesResponse } from '../../gen/ts/flights/v1/pricing.js';
import { DAY0, MINUTE, zzFlight } from './domain/test-flights.js';
import type { FoundItinerary } from './domain/itineraries.js';
import type { PriceRequest, PricingPeer } from './peers.js';
import { priceInBatches, pricingBatches, type BatchOutcome } from './pricing-pipeline.js';
import { metricValue } from '../../test/support/metrics.js';

/**
 * The pipeline's reaction to a pricing that is slow, answers out of order, fails or outlives
 * the search's time. Pricing is a stand-in whose every call the test answers (or not) by hand;
 * the real service against a real, slowed or missing pricing is in search.test.ts.
 */

const found = (n: number): FoundItinerary => {
  const flight = zzFlight(n, {});
  return {
    id: flight.flightId,
    flights: [flight],
    departureMs: DAY0,
    arrivalMs: DAY0 + 60 * MINUTE,
    durationMinutes: 60,
    stops: 0,
    estimatedFare: 1,
  };
};
const ranked = (count: number) => Array.from({ length: count }, (_, n) => found(n + 1));

interface Call {
  request: PriceRequest;
  signal: AbortSignal;
  answer(): void;
  fail(error: Error): void;
}

/** A pricing whose calls wait for the test; it counts the calls in flight at once. */
function handPricing() {
  const calls: Call[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const pricing: PricingPeer = {
    priceItineraries: (request, { signal }) =>
      new Promise<PriceItinerariesResponse>((resolve, reject) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        const done = () => inFlight--;
        calls.push({
          request,
          signal,
          answer: () => {
            done();
            resolve({
              degraded: false,
              itineraries: request.itineraries.map((i) => ({
                key: i.key,
                available: true,
                price: undefined,
              })),
            });
          },
          fail: (error) => {
            done();
            reject(error);
          },
        });
      }),
  };
  return { pricing, calls, mostInFlight: () => mostInFlight };
}

function pipeline(
  pricing: PricingPeer,
  itineraries: FoundItinerary[],
  over: { concurrency?: number; cutoffMs?: number; signal?: AbortSignal } = {},
) {
  const outcomes = priceInBatches(itineraries, {
    pricing,
    passengers: { adults: 1, children: 0, infants: 0 },
    cabin: Cabin.CABIN_ECONOMY,
    batchSize: 5,
    concurrency: over.concurrency ?? 2,
    callTimeoutMs: 60_000,
    cutoffMs: over.cutoffMs ?? Date.now() + 60_000,
    signal: over.signal ?? new AbortController().signal,
  });
  return { outcomes };
}

/**
 * Pricing calls made and failed as search's counters on /metrics report them, since `from` (the
 * counters are the process's: a test reads how they moved while it ran).
 */
async function counted(from = { calls: 0, failures: 0 }) {
  return {
    calls: (await metricValue('search_pricing_calls_total')) - from.calls,
    failures: (await metricValue('search_pricing_failures_total')) - from.failures,
  };
}

const idsOf = (outcome: BatchOutcome | undefined) =>
  outcome?.kind === 'late' ? outcome.rest.map((i) => i.id) : outcome?.batch.map((i) => i.id);

describe('pricing batches', () => {
  it('are one call when all fit, else a small first batch, then full ones, in rank order', () => {
    const sizes = (count: number, batchSize: number) =>
      pricingBatches(ranked(count), batchSize).map((b) => b.length);
    expect(sizes(0, 20)).toEqual([]);
    expect(sizes(3, 20)).toEqual([3]);
    expect(sizes(20, 20)).toEqual([20]);
    expect(sizes(21, 20)).toEqual([5, 16]);
    expect(sizes(50, 20)).toEqual([5, 20, 20, 5]);
    expect(sizes(7, 2)).toEqual([2, 2, 2, 1]);
    expect(pricingBatches(ranked(12), 5).flat()).toEqual(ranked(12));
  });
});

describe('the pricing pipeline', () => {
  it('keeps rank order when a later batch is priced first, with at most `concurrency` calls', async () => {
    const hand = handPricing();
    const all = ranked(17); // batches of 5, 5, 5, 2
    const before = await counted();
    const { outcomes } = pipeline(hand.pricing, all);
    const first = outcomes.next();
    await settled();
    expect(hand.calls).toHaveLength(2);
    hand.calls[1]!.answer(); // the second batch is priced first: its slot goes to the third
    await settled();
    expect(hand.calls).toHaveLength(3);
    hand.calls[0]!.answer();
    expect(idsOf((await first).value as BatchOutcome)).toEqual(all.slice(0, 5).map((i) => i.id));
    expect(idsOf((await outcomes.next()).value as BatchOutcome)).toEqual(
      all.slice(5, 10).map((i) => i.id),
    );
    const third = outcomes.next();
    await settled();
    hand.calls[2]!.answer();
    await settled();
    hand.calls[3]!.answer();
    const rest = [(await third).value, (await outcomes.next()).value] as BatchOutcome[];
    expect(rest.map((o) => o.kind)).toEqual(['priced', 'priced']);
    expect(rest.flatMap(idsOf)).toEqual(all.slice(10).map((i) => i.id));
    expect((await outcomes.next()).done).toBe(true);
    expect(hand.mostInFlight()).toBe(2);
    expect(await counted(before)).toEqual({ calls: 4, failures: 0 });
  });

  it('sends each batch’s flights as the read model holds them, each once', async () => {
    const hand = handPricing();
    const [a, b] = [found(1), found(2)];
    // Two itineraries sharing a flight (a connection through the same first leg).
    const shared = { ...b, id: `${a.id}+${b.id}`, flights: [a.flights[0]!, b.flights[0]!] };
    const { outcomes } = pipeline(hand.pricing, [a, shared]);
    const first = outcomes.next();
    await settled();
    expect(hand.calls).toHaveLength(1);
    expect(hand.calls[0]!.request.flights).toEqual([a.flights[0], b.flights[0]]);
    hand.calls[0]!.answer();
    expect(((await first).value as BatchOutcome).kind).toBe('priced');
  });

  it('stops asking pricing after a failure: the rest comes out unpriced', async () => {
    const hand = handPricing();
    const before = await counted();
    const { outcomes } = pipeline(hand.pricing, ranked(12), { concurrency: 1 });
    const first = outcomes.next();
    await settled();
    hand.calls[0]!.fail(new Error('pricing is down'));
    const seen = [(await first).value as BatchOutcome];
    for await (const outcome of outcomes) seen.push(outcome);
    expect(seen.map((o) => o.kind)).toEqual(['unpriced', 'unpriced', 'unpriced']);
    expect(seen[0]).toMatchObject({ failure: new Error('pricing is down') });
    expect(seen.slice(1).every((o) => o.kind === 'unpriced' && o.failure === undefined)).toBe(true);
    expect(hand.calls).toHaveLength(1);
    expect(await counted(before)).toEqual({ calls: 1, failures: 1 });
  });

  it('at the cutoff sends what is not priced as late, and cancels the calls in flight', async () => {
    const hand = handPricing();
    const all = ranked(12);
    const before = await counted();
    const { outcomes } = pipeline(hand.pricing, all, { cutoffMs: Date.now() + 20 });
    const seen: BatchOutcome[] = [];
    for await (const outcome of outcomes) seen.push(outcome);
    expect(seen).toEqual([{ kind: 'late', rest: all }]);
    expect(hand.calls).toHaveLength(2);
    expect(hand.calls.every((c) => c.signal.aborted)).toBe(true);
    // Calls we cut short ourselves are not failures.
    expect(await counted(before)).toEqual({ calls: 2, failures: 0 });
  });

  it('ends with nothing more when the caller cancels, and cancels its calls', async () => {
    const hand = handPricing();
    const caller = new AbortController();
    const before = await counted();
    const { outcomes } = pipeline(hand.pricing, ranked(12), {
      concurrency: 1,
      signal: caller.signal,
    });
    const first = outcomes.next();
    await settled();
    caller.abort();
    expect((await first).done).toBe(true);
    expect(hand.calls).toHaveLength(1);
    expect(hand.calls[0]!.signal.aborted).toBe(true);
    await settled();
    expect(hand.calls).toHaveLength(1); // queued batches never call
    expect(await counted(before)).toEqual({ calls: 1, failures: 0 });
  });
});
