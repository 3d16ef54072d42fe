import { serveMetrics, type MetricsEndpoint } from '../../platform/telemetry/metrics.js';
import { scrape, total } from './prometheus.js';

let endpoint: Promise<MetricsEndpoint> | undefined;

/**
 * The value of a series on this test process's own /metrics, summed over the series whose labels
 * include `where` (services started in-process share the process's one meter provider, so read
 * differences: before and after). Served on an ephemeral port, the way a service serves it.
 */
export async function metricValue(
  name: string,
  where: Record<string, string | number> = {},
): Promise<number> {
  endpoint ??= serveMetrics({ port: 0, host: '127.0.0.1' });
  const { port } = await endpoint;
  return total(await scrape(`http://127.0.0.1:${port}/metrics`), name, where);
}
