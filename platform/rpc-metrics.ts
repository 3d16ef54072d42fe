/**
 * What the runtime measures of every gRPC call and of discovery, once, for every service:
 *
 * - `rpc.server.duration` and `rpc.client.duration` (ms histograms) with OpenTelemetry's RPC
 *   attributes `rpc.system`, `rpc.service` ("flights.v1.ScheduleService"), `rpc.method`
 *   ("GetFlight") and `rpc.grpc.status_code` (0 = OK). On /metrics: `rpc_server_duration_bucket{
 *   rpc_service=…, rpc_method=…, rpc_grpc_status_code=…}`.
 * - `rpc.client.resolver.endpoints`: how many instances discovery reports per target.
 * - `rpc.client.breaker.state`: each dependency's circuit breaker (platform/breaker.ts).
 *
 * @opentelemetry/instrumentation-grpc (0.223) makes spans only and records no metrics, so the
 * histograms are recorded here, by a grpc-js server interceptor and a client interceptor.
 * Streaming calls are measured from their start to their status: the whole stream.
 */
import * as grpc from '@grpc/grpc-js';
import type { Attributes } from '@opentelemetry/api';
import { metrics } from './metrics.js';

// OpenTelemetry's RPC semantic conventions (the `rpc.*.duration` generation, in ms).
const DURATION_BUCKETS_MS = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000,
];
const serverDuration = metrics.histogram('rpc.server.duration', {
  description: 'Duration of gRPC calls this process served, to the status it sent.',
  unit: 'ms',
  buckets: DURATION_BUCKETS_MS,
});
const clientDuration = metrics.histogram('rpc.client.duration', {
  description: 'Duration of gRPC calls this process made, retries included, to the status.',
  unit: 'ms',
  buckets: DURATION_BUCKETS_MS,
});

/** "/flights.v1.ScheduleService/GetFlight" → the attributes of that method. */
function methodAttributes(path: string): Attributes {
  const slash = path.lastIndexOf('/');
  return {
    'rpc.system': 'grpc',
    'rpc.service': path.slice(1, slash),
    'rpc.method': path.slice(slash + 1),
  };
}

/**
 * Records `rpc.server.duration` for every call the server handles (health and reflection too:
 * they are labelled by their own `rpc.service`). A call that ends without a status from the
 * handler is counted as DEADLINE_EXCEEDED when its deadline has passed, else CANCELLED — which
 * includes a client whose own deadline passed first and cancelled the call: gRPC does not tell
 * the server why a client cancelled, so a deadline can read as CANCELLED here (never on the
 * client's side, which knows).
 */
export const serverMetricsInterceptor: grpc.ServerInterceptor = (descriptor, call) => {
  const started = performance.now();
  const attributes = methodAttributes(descriptor.path);
  let recorded = false;
  const record = (code: grpc.status) => {
    if (recorded) return;
    recorded = true;
    serverDuration.record(performance.now() - started, {
      ...attributes,
      'rpc.grpc.status_code': code,
    });
  };
  return new grpc.ServerInterceptingCall(call, {
    start(next) {
      next({
        onCancel() {
          // grpc-js also signals a cancel after a status went out; `recorded` tells them apart.
          const deadline = call.getDeadline();
          const expired = deadline !== Infinity && new Date(deadline).getTime() <= Date.now();
          record(expired ? grpc.status.DEADLINE_EXCEEDED : grpc.status.CANCELLED);
        },
      });
    },
    sendStatus(status, next) {
      record(status.code);
      next(status);
    },
  });
};

/** Records `rpc.client.duration` for every call a client makes, with the status it got. */
export const clientMetricsInterceptor: grpc.Interceptor = (options, nextCall) => {
  const started = performance.now();
  const attributes = methodAttributes(options.method_definition.path);
  return new grpc.InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      next(metadata, {
        onReceiveStatus(status, nextStatus) {
          clientDuration.record(performance.now() - started, {
            ...attributes,
            'rpc.grpc.status_code': status.code,
          });
          nextStatus(status);
        },
      });
    },
  });
};

const resolverEndpoints = metrics.gauge('rpc.client.resolver.endpoints', {
  description: 'Instances discovery last reported for a target (passing ones, from Consul).',
  unit: '{instance}',
});

/** Called by a resolver each time it hands a target's endpoints to grpc-js. */
export function recordResolvedEndpoints(target: string, count: number): void {
  resolverEndpoints.record(count, { 'rpc.client.target': target });
}

/** States of a circuit breaker, as the numbers the gauge reports. */
export const BREAKER_STATE = { closed: 0, half_open: 1, open: 2 } as const;
export type BreakerState = keyof typeof BREAKER_STATE;

/**
 * The hook for circuit breakers: a breaker (platform/breaker.ts), once made, calls this once with
 * the target it guards and a reader of its state, and `rpc.client.breaker.state` (0 closed,
 * 1 half-open, 2 open) reports it on every scrape.
 */
export function observeBreaker(target: string, state: () => BreakerState): void {
  metrics.observe(
    'rpc.client.breaker.state',
    { description: 'Circuit breaker state per target: 0 closed, 1 half-open, 2 open.' },
    (result) => result.observe(BREAKER_STATE[state()], { 'rpc.client.target': target }),
  );
}
