import { monitorEventLoopDelay } from 'node:perf_hooks';
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Meter } from '@opentelemetry/api';

/**
 * Process memory and event-loop delay, under OpenTelemetry's semantic-convention names
 * (`process.memory.usage`, `v8js.memory.heap.used`, `nodejs.eventloop.delay.*`,
 * `nodejs.eventloop.utilization`).
 *
 * Read by hand from Node's own meters (process.memoryUsage, v8 heap statistics,
 * perf_hooks.monitorEventLoopDelay): each is one call, and the package that wraps them
 * (@opentelemetry/instrumentation-runtime-node) would add a dependency pinned to another
 * instrumentation release for the same handful of reads.
 */
export function observeRuntime(meter: Meter): void {
  meter
    .createObservableGauge('process.memory.usage', {
      description: 'Resident set size of the process.',
      unit: 'By',
    })
    .addCallback((result) => result.observe(process.memoryUsage.rss()));

  meter
    .createObservableGauge('v8js.memory.heap.used', {
      description: 'V8 heap in use, per heap space.',
      unit: 'By',
    })
    .addCallback((result) => {
      for (const space of getHeapSpaceStatistics())
        result.observe(space.space_used_size, { 'v8js.heap.space.name': space.space_name });
    });

  // Sampled every 20 ms; the histogram restarts after each read, so a scrape reports the delay
  // since the previous one rather than since the process started.
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
  const delayFigures = {
    'nodejs.eventloop.delay.p50': () => delay.percentile(50),
    'nodejs.eventloop.delay.p90': () => delay.percentile(90),
    'nodejs.eventloop.delay.p99': () => delay.percentile(99),
    'nodejs.eventloop.delay.max': () => delay.max,
    'nodejs.eventloop.delay.mean': () => delay.mean,
  };
  const gauges = Object.entries(delayFigures).map(([name, read]) => {
    const gauge = meter.createObservableGauge(name, {
      description: 'Event loop delay (how late timers fire), since the previous collection.',
      unit: 's',
    });
    return { gauge, read };
  });
  meter.addBatchObservableCallback(
    (result) => {
      for (const { gauge, read } of gauges) result.observe(gauge, seconds(read()));
      delay.reset();
    },
    gauges.map((g) => g.gauge),
  );

  let lastElu = performance.eventLoopUtilization();
  meter
    .createObservableGauge('nodejs.eventloop.utilization', {
      description: 'Share of the time the event loop was busy, since the previous collection.',
      unit: '1',
    })
    .addCallback((result) => {
      const now = performance.eventLoopUtilization();
      result.observe(performance.eventLoopUtilization(now, lastElu).utilization);
      lastElu = now;
    });
}
