import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { METRICS_PATH } from './metrics.js';
import { inferServiceName } from './service-name.js';

export { inferServiceName };

/**
 * A tracer provider is always installed, so W3C trace context flows through every hop and log
 * lines carry trace ids; spans leave the process only when OTEL_EXPORTER_OTLP_ENDPOINT is set
 * (OTLP/HTTP, the exporter reads OpenTelemetry's own variables, OTEL_TRACES_SAMPLER included).
 * Without an exporter nothing is recorded (AlwaysOff: spans carry context only, and callers see
 * the trace as not sampled): recording spans nobody reads cost ~7 % of a GetFlight's CPU
 * (schedule's README). A deployment exports from every process or from none.
 */
export function startTracing(serviceName = inferServiceName()): NodeTracerProvider {
  const spanProcessors: SpanProcessor[] = [];
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors,
    ...(spanProcessors.length || process.env.OTEL_TRACES_SAMPLER
      ? {}
      : { sampler: new AlwaysOffSampler() }),
  });
  provider.register();
  registerInstrumentations({
    instrumentations: [
      new GrpcInstrumentation(),
      // Incoming HTTP only (the BFF's requests, with their traceparent); outgoing HTTP is Consul
      // and OTLP chatter that would bury the traces worth reading, and Prometheus's scrapes of
      // /metrics (served on a port of their own) would be the same.
      new HttpInstrumentation({
        ignoreOutgoingRequestHook: () => true,
        ignoreIncomingRequestHook: (req) => req.url === METRICS_PATH,
      }),
    ],
  });
  return provider;
}

/** Exports what is still buffered; called on shutdown. */
export async function flushTracing(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const delegate = (provider.getDelegate?.() ?? provider) as { shutdown?: () => Promise<void> };
  await delegate.shutdown?.();
}
