/**
 * A circuit breaker and a bulkhead per outgoing dependency, with cockatiel, applied once by the
 * client factory (platform/clients.ts) to every unary call:
 *
 * - the bulkhead caps the calls in flight to the dependency (`BULKHEAD_MAX_CONCURRENT`, with up
 *   to `BULKHEAD_MAX_QUEUED` waiting); a call beyond both is refused at once;
 * - the breaker (cockatiel's SamplingBreaker) opens when at least `BREAKER_FAILURE_RATIO` of the
 *   calls in the last `BREAKER_WINDOW_MS` failed because the dependency could not answer (see
 *   isUnreachable: down, slow, broken — never a "no" such as NOT_FOUND, never the caller's own
 *   cancel), provided there were at least `BREAKER_MIN_RPS` calls a second on average; while open
 *   every call fails at once without reaching the network; after `BREAKER_HALF_OPEN_AFTER_MS` one
 *   probe call is let through, and its outcome closes or re-opens the breaker.
 *
 * A refused call rejects with a grpc-js-shaped error, code UNAVAILABLE, so callers treat it as
 * any other unreachable peer (platform/peers.ts turns it into UNAVAILABLE with RetryInfo).
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  bulkhead,
  circuitBreaker,
  CircuitState,
  handleWhen,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  SamplingBreaker,
  wrap,
} from 'cockatiel';
import { z } from 'zod';
import { isUnreachable } from './errors.js';
import type { Logger } from './logger.js';
import { observeBreaker, type BreakerState } from './rpc-metrics.js';

const ratio = z.coerce.number().gt(0).max(1);
const positiveInt = z.coerce.number().int().min(1);

/** The variables every process reads to size its breakers and bulkheads (one value for all). */
export const breakerEnv = {
  BREAKER_FAILURE_RATIO: ratio.default(0.5),
  BREAKER_WINDOW_MS: positiveInt.default(10_000),
  BREAKER_MIN_RPS: z.coerce.number().gt(0).default(1),
  BREAKER_HALF_OPEN_AFTER_MS: positiveInt.default(5_000),
  BULKHEAD_MAX_CONCURRENT: positiveInt.default(200),
  BULKHEAD_MAX_QUEUED: z.coerce.number().int().min(0).default(400),
};

export interface GuardOptions {
  /** Share of failed calls (0–1] in the window that opens the breaker. */
  failureRatio: number;
  /** Length of the sampling window, in ms. */
  windowMs: number;
  /** Average calls per second in the window below which the breaker never opens. */
  minimumRps: number;
  /** How long the breaker stays open before a half-open probe, in ms. */
  halfOpenAfterMs: number;
  /** Calls in flight at most, and calls waiting for a slot at most. */
  maxConcurrent: number;
  maxQueued: number;
}

export function guardOptionsFrom(config: {
  [K in keyof typeof breakerEnv]: z.infer<(typeof breakerEnv)[K]>;
}): GuardOptions {
  return {
    failureRatio: config.BREAKER_FAILURE_RATIO,
    windowMs: config.BREAKER_WINDOW_MS,
    minimumRps: config.BREAKER_MIN_RPS,
    halfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER_MS,
    maxConcurrent: config.BULKHEAD_MAX_CONCURRENT,
    maxQueued: config.BULKHEAD_MAX_QUEUED,
  };
}

/** Runs calls to one dependency through its bulkhead and breaker. */
export interface Guard {
  /** The dependency's name in logs and metrics, e.g. "pricing". */
  readonly target: string;
  /** `call` if the bulkhead has room and the breaker lets it through; else rejects UNAVAILABLE. */
  run<T>(call: () => Promise<T>): Promise<T>;
  state(): BreakerState;
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Open]: 'open',
  // Isolated is a manual open (cockatiel's isolate()), which nothing here uses.
  [CircuitState.Isolated]: 'open',
};

function refused(details: string): ServiceError {
  return Object.assign(new Error(`${status.UNAVAILABLE} UNAVAILABLE: ${details}`), {
    code: status.UNAVAILABLE,
    details,
    metadata: new Metadata(),
  });
}

/** A guard for the dependency `target`, logged on every state change and observed as a metric. */
export function createGuard(target: string, options: GuardOptions, log: Logger): Guard {
  const breaker = circuitBreaker(
    handleWhen((err) => isUnreachable(err)),
    {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new SamplingBreaker({
        threshold: options.failureRatio,
        duration: options.windowMs,
        minimumRps: options.minimumRps,
      }),
    },
  );
  const limit = bulkhead(options.maxConcurrent, options.maxQueued);
  const policy = wrap(limit, breaker);
  const state = () => STATE_NAMES[breaker.state];
  breaker.onStateChange((next) => {
    const line = { target, state: STATE_NAMES[next] };
    if (next === CircuitState.Closed) log.info(line, 'circuit breaker closed');
    else log.warn(line, `circuit breaker ${line.state.replace('_', '-')}`);
  });
  observeBreaker(target, state);
  return {
    target,
    state,
    async run(call) {
      try {
        return await policy.execute(call);
      } catch (err) {
        if (isBrokenCircuitError(err))
          throw refused(`circuit breaker for ${target} is open: not called`);
        if (isBulkheadRejectedError(err))
          throw refused(`bulkhead for ${target} is full (${options.maxConcurrent} in flight)`);
        throw err;
      }
    },
  };
}
