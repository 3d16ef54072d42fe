import { createServer, type Server } from 'node:http';
import type { Logger } from '../logger.js';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { observeRuntime } from './runtime-metrics.js';
import { inferServiceName } from './service-name.js';
import { listenOrExplain } from '../listen.js';

/** Where every process serves its metrics, on its own port (METRICS_PORT). */
export const METRICS_PATH = '/metrics';
/** The Consul service meta key holding that port (Prometheus finds it there). */
export const METRICS_META_KEY = 'metrics_port';

interface MetricsState {
  provider: MeterProvider;
  exporter: PrometheusExporter;
}
let state: MetricsState | undefined;

/**
 * Installs the process's one MeterProvider as the global one, read through a Prometheus
 * exporter (pull: nothing leaves the process until something scrapes /metrics). Idempotent.
 *
 * It has to run before OpenTelemetry's instrumentations are registered (register.ts), because
 * they take their meter from the global provider at that moment: the HTTP instrumentation then
 * records `http.server.request.duration` for the BFF. Every series carries the process's service
 * name as the `service_name` label, so a direct scrape and a Prometheus query read the same.
 */
export function startMetrics(serviceName = inferServiceName()): MeterProvider {
  if (state) return state.provider;
  const exporter = new PrometheusExporter({
    // Served by serveMetrics() on the port the service's config names, not the exporter's own
    // server, whose port would have to be known before the config is read.
    preventServerStart: true,
    withResourceConstantLabels: /^service\.name$/,
    // One meter per process: the scope labels would only repeat "flight-mesh" on every line.
    withoutScopeInfo: true,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    readers: [exporter],
  });
  metrics.setGlobalMeterProvider(provider);
  observeRuntime(provider.getMeter('flight-mesh.runtime'));
  state = { provider, exporter };
  return provider;
}

export interface MetricsEndpoint {
  /** The port it listens on (the asked one, or the one picked for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (the Prometheus text format, written by the exporter) on its own HTTP
 * server. `port` 0 picks a free port. Anything else answers 404.
 */
export async function serveMetrics(options: {
  port: number;
  host?: string;
}): Promise<MetricsEndpoint> {
  startMetrics();
  const { exporter } = state!;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === METRICS_PATH) exporter.getMetricsRequestHandler(req, res);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  // Like the exporter's own server: metrics alone never keep a process alive.
  server.unref();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A process's METRICS_PORT endpoint: nothing for port 0, else /metrics on `host` (every
 * interface unless given), with one log line naming the port. An address it cannot listen on fails the start-up with a ListenError naming HOST and METRICS_PORT.
 */
export async function startMetricsEndpoint(
  port: number,
  log: Logger,
  host = '0.0.0.0',
): Promise<MetricsEndpoint | undefined> {
  if (port === 0) return undefined;
  const endpoint = await listenOrExplain({ host, port, variables: 'HOST, METRICS_PORT' }, () =>
    serveMetrics({ port, host }),
  );
  log.info({ metrics_port: endpoint.port, path: METRICS_PATH }, 'metrics endpoint listening');
  return endpoint;
}
