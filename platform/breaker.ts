/**
 * A circuit breaker and bulkheads per outgoing dependency, with cockatiel, applied once by the
 * client factory (platform/clients.ts) to every call:
 *
 * - a bulkhead caps the unary calls in flight to the dependency (`BULKHEAD_MAX_CONCURRENT`, with
 *   up to `BULKHEAD_MAX_QUEUED` waiting); a call beyond both is refused at once;
 * - another caps its open server streams (`BULKHEAD_MAX_STREAMS`), none waiting: a stream lasts
 *   (a listing for minutes, a feed for its whole deadline), so a queued one could wait that long;
 * - the breaker (cockatiel's SamplingBreaker) opens when at least `BREAKER_FAILURE_RATIO` of the
 *   calls in the last `BREAKER_WINDOW_MS` failed because the dependency could not answer (see
 *   isUnreachable: down, slow, broken — never a "no" such as NOT_FOUND, never the caller's own
 *   cancel, never a deadline the caller's own short budget made: see countsAgainst), provided there were at least `BREAKER_MIN_RPS` calls a second on average; while open
 *   every call fails at once without reaching the network; after `BREAKER_HALF_OPEN_AFTER_MS` one
 *   probe call is let through, and its outcome closes or re-opens the breaker. Unary calls and
 *   streams share it (one dependency, one verdict); a stream counts by its start: failed if it
 *   fails before its first message, succeeded once that message arrives (or it ends cleanly
 *   without one). What happens later in a stream is the caller's to handle (it resumes), not a
 *   verdict on the dependency: a feed cut after an hour says nothing about reachability.
 *
 * A refused call rejects with a grpc-js-shaped error, code UNAVAILABLE, ErrorInfo reason the
 * mesh's `dependencyUnavailable` (metadata: `dependency`, `refused_by` circuit_breaker|bulkhead)
 * and RetryInfo (until the half-open probe, for an open breaker), so callers treat it as any
 * other unreachable peer (platform/peers.ts) and the edge can answer 503 with Retry-After.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
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
import { DomainError, isUnreachable, toStatusObject, type ErrorVocabulary } from './errors.js';
import type { Logger } from './logger.js';
import { observeBreaker, type BreakerState } from './rpc-metrics.js';

const ratio = z.coerce.number().gt(0).max(1);
const positiveInt = z.coerce.number().int().min(1);

/**
 * The time one call had, for judging a DEADLINE_EXCEEDED: `givenMs`, what it got (its deadline
 * less the time it started, after the caller's own deadline, an X-Request-Timeout or a shorter
 * per-call deadline cut it), and `methodMs`, the deadline its client gives the method.
 */
export interface CallBudget {
  givenMs: number;
  methodMs: number;
}

/**
 * Whether a call's failure says the dependency is unhealthy: it could not answer
 * (isUnreachable), and, for DEADLINE_EXCEEDED, the call had at least `minShare` of its method's
 * deadline. A call its caller left 100 ms of a 5 s deadline (an X-Request-Timeout of 100 ms, an
 * incoming deadline nearly spent) runs out whatever the dependency's health: that is the
 * caller's budget, not a verdict on the dependency. A call without a budget is judged by its
 * code alone.
 */
export function countsAgainst(
  err: unknown,
  budget: CallBudget | undefined,
  minShare: number,
): boolean {
  if (!isUnreachable(err)) return false;
  if (!budget || (err as { code?: unknown }).code !== status.DEADLINE_EXCEEDED) return true;
  return budget.givenMs >= minShare * budget.methodMs;
}

/** The variables every process reads to size its breakers and bulkheads (one value for all). */
export const breakerEnv = {
  BREAKER_FAILURE_RATIO: ratio.default(0.5),
  BREAKER_WINDOW_MS: positiveInt.default(10_000),
  BREAKER_MIN_RPS: z.coerce.number().gt(0).default(1),
  BREAKER_HALF_OPEN_AFTER_MS: positiveInt.default(5_000),
  BREAKER_MIN_BUDGET_SHARE: ratio.default(0.5),
  BULKHEAD_MAX_CONCURRENT: positiveInt.default(200),
  BULKHEAD_MAX_QUEUED: z.coerce.number().int().min(0).default(400),
  BULKHEAD_MAX_STREAMS: positiveInt.default(100),
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
  /**
   * Share (0–1] of its method's deadline a call must have had for its DEADLINE_EXCEEDED to count
   * as a failure of the dependency (countsAgainst).
   */
  minBudgetShare: number;
  /** Calls in flight at most, and calls waiting for a slot at most. */
  maxConcurrent: number;
  maxQueued: number;
  /** Server streams open at most; one more is refused at once. */
  maxStreams: number;
}

export function guardOptionsFrom(config: {
  [K in keyof typeof breakerEnv]: z.infer<(typeof breakerEnv)[K]>;
}): GuardOptions {
  return {
    failureRatio: config.BREAKER_FAILURE_RATIO,
    windowMs: config.BREAKER_WINDOW_MS,
    minimumRps: config.BREAKER_MIN_RPS,
    halfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER_MS,
    minBudgetShare: config.BREAKER_MIN_BUDGET_SHARE,
    maxConcurrent: config.BULKHEAD_MAX_CONCURRENT,
    maxQueued: config.BULKHEAD_MAX_QUEUED,
    maxStreams: config.BULKHEAD_MAX_STREAMS,
  };
}

/** Runs calls to one dependency through its bulkhead and breaker. */
export interface Guard {
  /** The dependency's name in logs and metrics, e.g. "pricing". */
  readonly target: string;
  /**
   * `call` if the bulkhead has room and the breaker lets it through; else rejects UNAVAILABLE.
   * `budget` (when known) is the time the call had, so that a deadline the caller's own short
   * budget made is not held against the dependency (countsAgainst).
   */
  run<T>(call: () => Promise<T>, budget?: CallBudget): Promise<T>;
  /**
   * The messages of the server stream `open` starts, if the stream bulkhead has a free slot and
   * the breaker lets it through (else it throws UNAVAILABLE before `open` is called). The slot
   * is held until the stream ends or the consumer stops; the breaker hears of the stream's
   * start only (see above), judged as `run` judges a call with `budget`.
   */
  stream<T>(open: () => AsyncIterable<T>, budget?: () => CallBudget): AsyncIterable<T>;
  state(): BreakerState;
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Open]: 'open',
  // Isolated is a manual open (cockatiel's isolate()), which nothing here uses.
  [CircuitState.Isolated]: 'open',
};

/** Why a call was not sent, in the dependency's name, as the caller receives a peer's error. */
function refused(
  errors: ErrorVocabulary,
  target: string,
  by: 'circuit_breaker' | 'bulkhead',
  message: string,
  retryAfterMs: number,
): ServiceError {
  const error = new DomainError(status.UNAVAILABLE, errors.dependencyUnavailable, message, {
    metadata: { dependency: target, refused_by: by },
    retryAfterMs,
  });
  const { code, details, metadata } = toStatusObject(error, errors);
  return Object.assign(new Error(`${code} UNAVAILABLE: ${details}`), { code, details, metadata });
}

/** Refused at once by a full bulkhead: a slot frees when any call ends, so try again soon. */
const BULKHEAD_RETRY_MS = 1_000;

/**
 * A guard for the dependency `target`, logged on every state change and observed as a metric;
 * `errors` spells the refusals (see above).
 */
export function createGuard(
  target: string,
  options: GuardOptions,
  log: Logger,
  errors: ErrorVocabulary,
): Guard {
  /**
   * Failures of calls the caller's short budget cut off (countsAgainst said no). cockatiel
   * records neither a success nor a failure for an error its filter does not handle while the
   * breaker is closed; but it takes one for a success when it ends the half-open probe, and a
   * probe cut off by its caller has not shown that the dependency answers: then it counts.
   */
  const callerCut = new WeakSet<object>();
  const breaker = circuitBreaker(
    handleWhen(
      (err) =>
        isUnreachable(err) &&
        !(typeof err === 'object' && callerCut.has(err) && breaker.state === CircuitState.Closed),
    ),
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
  const streams = bulkhead(options.maxStreams, 0);
  const policy = wrap(limit, breaker);
  const state = () => STATE_NAMES[breaker.state];
  let openedAt = 0;
  breaker.onStateChange((next) => {
    if (next === CircuitState.Open) openedAt = Date.now();
    const line = { target, state: STATE_NAMES[next] };
    if (next === CircuitState.Closed) log.info(line, 'circuit breaker closed');
    else log.warn(line, `circuit breaker ${line.state.replace('_', '-')}`);
  });
  observeBreaker(target, state);

  /** cockatiel's refusals as the caller's UNAVAILABLE; anything else unchanged. */
  function translated(err: unknown, cap: number): unknown {
    if (isBrokenCircuitError(err))
      return refused(
        errors,
        target,
        'circuit_breaker',
        `${target} is unavailable: its circuit breaker is open, the call was not sent`,
        // Until the half-open probe; at least a second (Retry-After counts whole seconds).
        Math.max(1_000, openedAt + options.halfOpenAfterMs - Date.now()),
      );
    if (isBulkheadRejectedError(err))
      return refused(
        errors,
        target,
        'bulkhead',
        `${target} is busy: ${cap} calls already in flight, the call was not sent`,
        BULKHEAD_RETRY_MS,
      );
    return err;
  }

  /** `call`, with its failure marked as the caller's when countsAgainst says so. */
  const judged =
    <T>(call: () => Promise<T>, budget: CallBudget | undefined) =>
    async (): Promise<T> => {
      try {
        return await call();
      } catch (err) {
        if (isUnreachable(err) && typeof err === 'object' && err !== null)
          if (!countsAgainst(err, budget, options.minBudgetShare)) callerCut.add(err);
        throw err;
      }
    };

  return {
    target,
    state,
    async run(call, budget) {
      try {
        return await policy.execute(judged(call, budget));
      } catch (err) {
        throw translated(err, options.maxConcurrent);
      }
    },
    async *stream<T>(open: () => AsyncIterable<T>, budget?: () => CallBudget) {
      let release = () => {};
      let iterator: AsyncIterator<T> | undefined;
      try {
        // cockatiel's bulkhead holds a slot while the function's promise is pending: here, the
        // stream's whole life. With no queue it admits (calls the function) or throws at once.
        await new Promise<void>((admitted, rejected) => {
          streams
            .execute(() => {
              admitted();
              return new Promise<void>((r) => (release = r));
            })
            .catch(rejected);
        });
        const first = await breaker.execute(
          judged(() => {
            iterator = open()[Symbol.asyncIterator]();
            return iterator.next();
          }, budget?.()),
        );
        for (let next = first; !next.done; next = await iterator!.next()) yield next.value;
      } catch (err) {
        throw translated(err, options.maxStreams);
      } finally {
        // A consumer that stopped early ends the call (a no-op on a stream already over).
        await iterator?.return?.();
        release();
      }
    },
  };
}
