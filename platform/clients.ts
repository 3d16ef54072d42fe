import * as grpc from '@grpc/grpc-js';
import type { CallBudget, Guard } from './breaker.js';
import { retryableMethods } from './contracts.js';
import { clientMetricsInterceptor } from './rpc-metrics.js';
import type { CallContext } from './server.js';
import {
  serviceNameOf,
  type MethodDef,
  type RequestOf,
  type ResponseOf,
  type ServiceDef,
} from './rpc-types.js';

export interface CallOptions {
  /** The incoming call this one serves: its deadline and cancellation carry over. */
  parent?: CallContext;
  /**
   * Overrides the method's default deadline (the parent's deadline still wins if sooner). A call
   * given less than BREAKER_MIN_BUDGET_SHARE of its method's deadline, either way, that runs
   * out is not held against the dependency (platform/breaker.ts countsAgainst).
   */
  deadlineMs?: number;
  signal?: AbortSignal;
  metadata?: grpc.Metadata;
  /**
   * Wait (within the deadline) for the peer to be reachable instead of failing at once with
   * UNAVAILABLE: the call starts as soon as the channel connects (within a second of the peer
   * starting to listen, see the reconnect backoff below), where a retry loop of the caller's
   * own would still be sleeping. For calls that have nothing better to do than wait, such as
   * search's loading from schedule while the mesh starts.
   */
  waitForReady?: boolean;
}

export type UnaryMethod<M> = (
  request: RequestOf<M>,
  options?: CallOptions,
) => Promise<ResponseOf<M>>;
export type StreamMethod<M> = (
  request: RequestOf<M>,
  options?: CallOptions,
) => AsyncIterable<ResponseOf<M>>;

/** Every method of the service as a promise (unary) or an async iterable (server stream). */
export type ServiceClient<D extends ServiceDef> = {
  [K in keyof D]: D[K] extends { responseStream: true } ? StreamMethod<D[K]> : UnaryMethod<D[K]>;
} & { readonly grpc: grpc.Client; close(): void };

export interface ClientOptions<D extends ServiceDef> {
  /** A grpc-js target: "dns:///host:port", "ipv4:a:p,b:p" or "consul:///schedule". */
  target: string;
  /** Deadline of every call unless the method has its own below. */
  defaultDeadlineMs: number;
  methodDeadlinesMs?: Partial<Record<keyof D, number>>;
  /** Extra service config (e.g. outlier detection), merged over the defaults. */
  loadBalancingConfig?: object[];
  channelOptions?: grpc.ChannelOptions;
  /** TLS for the channel (the mesh's mTLS: platform/mtls.ts); plaintext when absent. */
  credentials?: grpc.ChannelCredentials;
  /**
   * The dependency's circuit breaker and bulkheads (platform/breaker.ts), applied to every call:
   * a unary call through the call bulkhead and the breaker; a server stream through the stream
   * bulkhead (its slot held while it lasts) and the breaker, which counts its start only.
   */
  guard?: Guard;
}

const seconds = (n: number) => ({ seconds: n, nanos: 0 });

/**
 * round_robin over every endpoint, with outlier detection: an endpoint that fails most of its
 * calls is ejected for a while even before Consul's health check notices it is gone.
 */
export const DEFAULT_LOAD_BALANCING = [
  {
    outlier_detection: {
      interval: seconds(1),
      base_ejection_time: seconds(5),
      max_ejection_time: seconds(30),
      max_ejection_percent: 50,
      failure_percentage_ejection: {
        threshold: 50,
        enforcement_percentage: 100,
        minimum_hosts: 2,
        request_volume: 5,
      },
      child_policy: [{ round_robin: {} }],
    },
  },
];

/**
 * The service config: the load balancing above, and transparent retries of
 * UNAVAILABLE only for methods the contract marks idempotent or side-effect free
 * (`option idempotency_level`), so a retry can never do a thing twice.
 */
export function serviceConfig(serviceFullName: string, loadBalancingConfig?: object[]): object {
  const retryable = retryableMethods(serviceFullName);
  return {
    loadBalancingConfig: loadBalancingConfig ?? DEFAULT_LOAD_BALANCING,
    methodConfig: retryable.length
      ? [
          {
            name: retryable.map((method) => ({ service: serviceFullName, method })),
            retryPolicy: {
              maxAttempts: 4,
              initialBackoff: '0.05s',
              maxBackoff: '1s',
              backoffMultiplier: 2,
              retryableStatusCodes: ['UNAVAILABLE'],
            },
          },
        ]
      : [],
    retryThrottling: { maxTokens: 100, tokenRatio: 0.1 },
  };
}

/** A call's deadline (epoch ms): its own or its method's, or the parent's if sooner. */
function deadlineOf(defaultMs: number, options: CallOptions | undefined): number {
  const deadline = Date.now() + (options?.deadlineMs ?? defaultMs);
  const parentDeadline = options?.parent?.deadline?.getTime();
  return parentDeadline === undefined ? deadline : Math.min(deadline, parentDeadline);
}

/**
 * Cancels the outgoing call when the caller's own signal or the parent call's signal aborts,
 * and returns a function that detaches both listeners once the call is over.
 *
 * Not grpc-js's `parent` call option: it adds a 'cancelled' listener to the incoming call for
 * every outgoing call and never removes it, so a handler that fans out (search prices hundreds
 * of itineraries) leaks listeners and trips MaxListenersExceededWarning.
 */
function cancelWith(options: CallOptions | undefined, cancel: () => void): () => void {
  const signals = [options?.signal, options?.parent?.signal].filter(
    (s): s is AbortSignal => s !== undefined,
  );
  if (signals.some((s) => s.aborted)) {
    cancel();
    return () => {};
  }
  for (const s of signals) s.addEventListener('abort', cancel, { once: true });
  return () => {
    for (const s of signals) s.removeEventListener('abort', cancel);
  };
}

/** A typed client for one service with a deadline on every call. */
export function createClient<D extends ServiceDef>(
  definition: D,
  options: ClientOptions<D>,
): ServiceClient<D> {
  const name = serviceNameOf(definition);
  const client = new grpc.Client(
    options.target,
    options.credentials ?? grpc.credentials.createInsecure(),
    {
      'grpc.service_config': JSON.stringify(serviceConfig(name, options.loadBalancingConfig)),
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      // A peer that is not up yet (every process of a mesh starts at once) or restarting is
      // retried within a second, not on gRPC's default backoff (1 s growing ×1.6 to 2 min),
      // which left a caller seconds behind a peer that had long become ready.
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 1_000,
      ...options.channelOptions,
      interceptors: [clientMetricsInterceptor],
    },
  );
  const methods: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(definition) as unknown as [
    keyof D & string,
    MethodDef,
  ][]) {
    const defaultMs = options.methodDeadlinesMs?.[key] ?? options.defaultDeadlineMs;
    /** The time a call starting now gets, against its method's deadline (for the breaker). */
    const budget = (callOptions: CallOptions | undefined): CallBudget => ({
      givenMs: deadlineOf(defaultMs, callOptions) - Date.now(),
      methodMs: defaultMs,
    });
    /** What grpc-js needs to make one call of this method, in its argument order. */
    const call = (request: unknown, callOptions: CallOptions | undefined) =>
      [
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        callOptions?.metadata ?? new grpc.Metadata(),
        {
          deadline: deadlineOf(defaultMs, callOptions),
          ...(callOptions?.waitForReady && { waitForReady: true }),
        },
      ] as const;
    if (def.responseStream) {
      /**
       * The call starts when the consumer asks for the first message; a consumer that stops
       * early (break, return, throw in a for-await) cancels it, so the server stops too.
       */
      async function* stream(request: unknown, callOptions?: CallOptions) {
        const grpcStream = client.makeServerStreamRequest(...call(request, callOptions));
        const detach = cancelWith(callOptions, () => grpcStream.cancel());
        grpcStream.on('close', detach);
        let over = false;
        try {
          for await (const message of grpcStream) yield message;
          over = true;
        } catch (err) {
          over = true;
          throw err;
        } finally {
          if (!over) grpcStream.cancel();
        }
      }
      const guard = options.guard;
      methods[key] = guard
        ? (request: unknown, callOptions?: CallOptions) =>
            guard.stream(
              () => stream(request, callOptions),
              () => budget(callOptions),
            )
        : stream;
    } else {
      const unary = (request: unknown, callOptions?: CallOptions) =>
        new Promise((resolve, reject) => {
          let detach = () => {};
          const unary = client.makeUnaryRequest(
            ...call(request, callOptions),
            (err: grpc.ServiceError | null, response: unknown) => {
              detach();
              if (err) reject(err);
              else resolve(response);
            },
          );
          detach = cancelWith(callOptions, () => unary.cancel());
        });
      const guard = options.guard;
      methods[key] = guard
        ? (request: unknown, callOptions?: CallOptions) =>
            guard.run(() => unary(request, callOptions), budget(callOptions))
        : unary;
    }
  }
  return Object.assign(methods, { grpc: client, close: () => client.close() }) as ServiceClient<D>;
}
