import pLimit from 'p-limit';
import type { Cabin, PassengerCounts } from '../../gen/ts/flights/v1/common.js';
import type { PriceItinerariesResponse } from '../../gen/ts/flights/v1/pricing.js';
import type { FoundItinerary } from './domain/itineraries.js';
import type { PricingPeer } from './peers.js';
import { searchMetrics } from './metrics.js';

/** Itineraries in the first pricing call: fewer than the rest, so results start sooner. */
const FIRST_BATCH = 5;

/**
 * The ranked itineraries in pricing batches: all in one call when they fit in `batchSize`, else a
 * small first one, then `batchSize` each. Pricing answers from memory, so a call of 20 costs
 * about what a call of 5 does, and every call costs both sides a round trip: splitting 20 into
 * 5 + 15 made each search two calls and did not bring the first message sooner.
 */
export function pricingBatches(ranked: FoundItinerary[], batchSize: number): FoundItinerary[][] {
  if (ranked.length <= batchSize) return ranked.length ? [ranked] : [];
  const batches: FoundItinerary[][] = [];
  const first = Math.min(FIRST_BATCH, batchSize);
  if (ranked.length) batches.push(ranked.slice(0, first));
  for (let at = first; at < ranked.length; at += batchSize)
    batches.push(ranked.slice(at, at + batchSize));
  return batches;
}

/** What became of one batch, in rank order. */
export type BatchOutcome =
  | { kind: 'priced'; batch: FoundItinerary[]; response: PriceItinerariesResponse }
  /** Not priced: this batch's call failed (`failure`: pricing's error), or pricing had failed
   * before and was not asked again. */
  | { kind: 'unpriced'; batch: FoundItinerary[]; failure?: unknown }
  /** The search's time ran out: this batch and every later one, unpriced. The last outcome. */
  | { kind: 'late'; rest: FoundItinerary[] };

export interface PricingPipelineOptions {
  pricing: PricingPeer;
  passengers: PassengerCounts;
  cabin: Cabin;
  /** Itineraries per call (the first call prices fewer), and calls in flight at once. */
  batchSize: number;
  concurrency: number;
  /** The longest one call may take, ms, before its batch goes out unpriced. */
  callTimeoutMs: number;
  /** Epoch ms by which every outcome is out: a batch not priced by then is 'late'. */
  cutoffMs: number;
  /** The caller's cancellation: the pipeline ends at once, with nothing more. */
  signal: AbortSignal;
  /** pricingBatches (calls made) and pricingFailures go up here. */
}

type CallResult = { response: PriceItinerariesResponse } | { error: unknown } | { skipped: true };

/**
 * Why the pipeline's own controller aborts: a reason given up front, because `abort()` without
 * one builds a DOMException (with its stack) every time, once per search.
 */
const PIPELINE_ENDED = new Error('the pricing pipeline ended');

/**
 * Waits for `call`, the time `atMs` (epoch) or `signal`, whichever comes first. A plain timer
 * and listener, cleared when the first one wins: timers/promises' abortable sleep cost an
 * AbortController, a DOMException and a rejected promise per batch.
 */
function until<T>(
  call: Promise<T>,
  atMs: number,
  signal: AbortSignal,
): Promise<T | 'late' | 'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve, reject) => {
    const settle = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      settle();
      resolve('aborted');
    };
    const timer = setTimeout(
      () => {
        settle();
        resolve('late');
      },
      Math.max(0, atMs - Date.now()),
    );
    signal.addEventListener('abort', onAbort, { once: true });
    call.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}

/**
 * Prices the ranked itineraries through pricing in batches, at most `concurrency` calls in
 * flight (p-limit), and yields each batch's outcome in rank order as soon as it and every batch
 * before it are done. Once a call has failed pricing is not asked again: later batches come out
 * unpriced. At the cutoff, what is not yet priced comes out as one 'late' outcome and the
 * pipeline ends. When it ends, whatever the reason (the consumer may stop reading), calls still
 * in flight are cancelled and queued ones never start.
 */
export async function* priceInBatches(
  ranked: FoundItinerary[],
  options: PricingPipelineOptions,
): AsyncGenerator<BatchOutcome> {
  const { cutoffMs, signal } = options;
  const batches = pricingBatches(ranked, options.batchSize);
  // Aborted when the caller cancels or the pipeline ends: calls in flight stop.
  const work = new AbortController();
  const stopWork = () => work.abort(PIPELINE_ENDED);
  signal.addEventListener('abort', stopWork, { once: true });
  let pricingDown = false;

  const price = async (batch: FoundItinerary[]): Promise<CallResult> => {
    if (pricingDown || work.signal.aborted) return { skipped: true };
    searchMetrics.pricingCalls.add(1);
    try {
      const response = await options.pricing.priceItineraries(
        {
          itineraries: batch.map((i) => ({
            key: i.id,
            flightIds: i.flights.map((f) => f.flightId),
          })),
          passengers: options.passengers,
          cabin: options.cabin,
          flights: [
            ...new Map(batch.flatMap((i) => i.flights).map((f) => [f.flightId, f])).values(),
          ],
        },
        {
          deadlineMs: Math.max(1, Math.min(options.callTimeoutMs, cutoffMs - Date.now())),
          signal: work.signal,
        },
      );
      return { response };
    } catch (error) {
      pricingDown = true;
      // A call we cut short ourselves (the caller cancelled, or our time ran out) did not fail.
      if (!work.signal.aborted) searchMetrics.pricingFailures.add(1);
      return { error };
    }
  };
  const limit = pLimit(options.concurrency);
  const calls = batches.map((batch) => limit(price, batch));

  try {
    for (let next = 0; next < batches.length; next++) {
      const batch = batches[next]!;
      const result = await until(calls[next]!, cutoffMs, signal);
      if (result === 'aborted') return;
      if (result === 'late' || ('error' in result && Date.now() >= cutoffMs - 10)) {
        // Our own time is up: what is found goes out now, unpriced.
        work.abort(PIPELINE_ENDED);
        yield { kind: 'late', rest: batches.slice(next).flat() };
        return;
      }
      if ('error' in result) {
        if (signal.aborted) return;
        yield { kind: 'unpriced', batch, failure: result.error };
      } else if ('skipped' in result) {
        yield { kind: 'unpriced', batch };
      } else {
        yield { kind: 'priced', batch, response: result.response };
      }
    }
  } finally {
    signal.removeEventListener('abort', stopWork);
    work.abort(PIPELINE_ENDED);
  }
}
