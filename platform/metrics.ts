/**
 * The figures a service reports about its own domain (bookings by outcome, seats sold, partial
 * searches, …), through OpenTelemetry's metrics API. The platform already measures every RPC,
 * HTTP route, the process and discovery (platform/rpc-metrics.ts, platform/telemetry/); a service
 * adds only what those cannot know.
 *
 * Names follow OpenTelemetry's style: dotted, lower case, a namespace first
 * (`booking.bookings`, `search.results`), and the unit in `unit`, never in the name. On /metrics
 * dots become underscores and counters gain `_total`: `booking.bookings` → `booking_bookings_total`.
 * Attributes (labels) must come from small, fixed sets (an outcome, a reason, a step): never ids,
 * customers or free text, which would make a series per request.
 *
 *   const bookings = metrics.counter('booking.bookings', { description: 'Bookings by outcome.' });
 *   bookings.add(1, { outcome: 'confirmed' });
 */
import {
  metrics as otel,
  type Attributes,
  type Counter,
  type Gauge,
  type Histogram,
  type Meter,
  type ObservableResult,
  type UpDownCounter,
} from '@opentelemetry/api';
import { startMetrics } from './telemetry/metrics.js';

export type { Attributes, Counter, Gauge, Histogram, UpDownCounter };

// Instruments need the SDK's provider in place when they are made (the API has no proxy that
// would pick it up later), and a module that makes them imports this one first. Idempotent: the
// preload (platform/telemetry/register.ts) has normally installed it already.
startMetrics();

const meter = (): Meter => otel.getMeter('flight-mesh');

export interface InstrumentOptions {
  /** One sentence: what is counted or measured. */
  description: string;
  /** UCUM: "ms", "s", "By", "1"; a count of things may name them in braces: "{seat}". */
  unit?: string;
}

export interface HistogramOptions extends InstrumentOptions {
  /** Upper bounds of the buckets, in `unit`. */
  buckets?: number[];
}

export const metrics = {
  /** A count that only goes up (`add(n ≥ 0, attributes)`); exported as `<name>_total`. */
  counter(name: string, options: InstrumentOptions): Counter {
    return meter().createCounter(name, options);
  },
  /** A count that goes up and down (`add(±n, attributes)`): things in flight, seats on hold. */
  upDownCounter(name: string, options: InstrumentOptions): UpDownCounter {
    return meter().createUpDownCounter(name, options);
  },
  /** A distribution (`record(value, attributes)`): durations, sizes, lags. */
  histogram(name: string, options: HistogramOptions): Histogram {
    const { buckets, ...rest } = options;
    return meter().createHistogram(name, {
      ...rest,
      ...(buckets ? { advice: { explicitBucketBoundaries: buckets } } : {}),
    });
  },
  /** The last value set (`record(value, attributes)`): a lag, a size at this moment. */
  gauge(name: string, options: InstrumentOptions): Gauge {
    return meter().createGauge(name, options);
  },
  /**
   * A value read when /metrics is scraped: `observe` is called then and reports through
   * `result.observe(value, attributes)`. For state that already lives somewhere (a queue, a map).
   */
  observe(
    name: string,
    options: InstrumentOptions,
    observe: (result: ObservableResult) => void,
  ): void {
    meter().createObservableGauge(name, options).addCallback(observe);
  },
};
