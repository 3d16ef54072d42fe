/**
 * Fault injection without a redeploy: flags that make a service's own server delay calls to a
 * method, fail them with a gRPC status, or both, for a share of the calls. Off by default.
 *
 * A flag is a JSON value, e.g. `{"delayMs": 2000, "code": "UNAVAILABLE", "ratio": 0.5}`:
 * - `delayMs` (default 0): how long the call waits before the handler (or the error) runs;
 * - `code` (optional): the status the call then fails with, by name ("UNAVAILABLE") or number;
 *   without one the call goes on to the handler after the delay;
 * - `ratio` (default 1): the share of calls (0–1) the flag applies to.
 *
 * Flags live in Consul KV under `flight-mesh/faults/<service>/<Method>` (the proto method name,
 * e.g. `flight-mesh/faults/schedule/HoldSeats`; `*` for every method of the service), watched
 * with blocking queries so a `consul kv put` or `consul kv delete` applies within moments.
 * Without Consul, the `FAULTS` variable holds them as one JSON object by method:
 * `FAULTS='{"HoldSeats":{"delayMs":3000}}'`. Health checks and reflection are never faulted.
 */
import * as grpc from '@grpc/grpc-js';
import {
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
  type TextMapGetter,
} from '@opentelemetry/api';
import Consul from 'consul';
import { z } from 'zod';
import { retryDelayMs } from './backoff.js';
import type { Logger } from './logger.js';
import type { ServiceDef } from './rpc-types.js';

export const FAULTS_KV_PREFIX = 'flight-mesh/faults';

// OK is no fault: a flag failing calls "with OK" left them without an answer (the BFF said 501).
const codeNames = Object.keys(grpc.status).filter((k) => Number.isNaN(Number(k)) && k !== 'OK');

const FIELDS = 'delayMs, code, ratio';
const CODE = 'must be a gRPC status name other than OK (UNAVAILABLE, …) or its number, 1–16';

// Strict: a misspelt key ("delayMS") was a flag that did nothing, without a word. Each message
// says what would be accepted: zod's own ("Invalid input") left an operator guessing.
const faultSchema = z.strictObject(
  {
    delayMs: z
      .number({ error: 'must be a number of milliseconds' })
      .int({ error: 'must be whole milliseconds' })
      .min(0, { error: 'must be 0 or more' })
      .max(600_000, { error: 'must be at most 600000 (10 minutes)' })
      .default(0),
    code: z
      .union(
        [
          z.number().int({ error: CODE }).min(1, { error: CODE }).max(16, { error: CODE }),
          z.enum(codeNames as [string, ...string[]]).transform((n) => grpc.status[n as 'OK']),
        ],
        { error: CODE },
      )
      .optional(),
    ratio: z
      .number({ error: 'must be a number from 0 to 1' })
      .min(0, { error: 'must be a number from 0 to 1' })
      .max(1, { error: 'must be a number from 0 to 1' })
      .default(1),
  },
  { error: `must be a JSON object with ${FIELDS}, e.g. {"delayMs":2000,"code":"UNAVAILABLE"}` },
);

/** A parsed flag: delay in ms, the status code to fail with (none: only delay), the ratio 0–1. */
export type Fault = z.infer<typeof faultSchema>;

/**
 * Parses one flag's JSON; throws an Error whose message names each thing wrong
 * ("delayMS: is not a field of a flag (delayMs, code, ratio)"; "the flag: is not JSON").
 */
export function parseFault(json: string): Fault {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error(`the flag: is not JSON; e.g. {"delayMs":2000,"code":"UNAVAILABLE"}`);
  }
  const result = faultSchema.safeParse(value);
  if (!result.success)
    throw new Error(
      result.error.issues
        .flatMap((i) =>
          i.code === 'unrecognized_keys'
            ? i.keys.map((k) => `${k}: is not a field of a flag (${FIELDS})`)
            : [`${i.path.join('.') || 'the flag'}: ${i.message}`],
        )
        .join('; '),
    );
  return result.data;
}

/** `FAULTS`: a JSON object of flags by method name, validated at start-up. */
export const faultEnv = {
  FAULTS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (!value) return {} as Record<string, Fault>;
      try {
        const raw = z.record(z.string(), z.unknown()).parse(JSON.parse(value));
        return Object.fromEntries(
          Object.entries(raw).map(([method, flag]) => [method, parseFault(JSON.stringify(flag))]),
        );
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message: `expected {"Method":{"delayMs":…,"code":…,"ratio":…}}: ${err instanceof Error ? err.message : String(err)}`,
        });
        return z.NEVER;
      }
    }),
};

/**
 * The method names fault flags are keyed by ("HoldSeats", as in the call path
 * "/flights.v1.ScheduleService/HoldSeats") of every service a process serves.
 */
export function methodNames(bindings: ReadonlyArray<{ definition: ServiceDef }>): string[] {
  return bindings.flatMap((b) =>
    Object.values(b.definition).map((m) => m.path.slice(m.path.lastIndexOf('/') + 1)),
  );
}

/** The flags in force, by method name ("HoldSeats", or "*" for all). */
export class FaultTable {
  private flags = new Map<string, Fault>();

  /**
   * `methods`: the service's method names ("HoldSeats"), when known: a flag for another name
   * (misspelt, another service's, in camelCase) is ignored with a warning on `log` naming the
   * methods there are; it could never apply, and was accepted without a word.
   */
  constructor(
    initial: Record<string, Fault> = {},
    private readonly methods?: readonly string[],
    private readonly log?: Logger,
  ) {
    this.replace(initial);
  }

  /** Puts `flags` in force in place of the last ones; returns those it took. */
  replace(flags: Record<string, Fault>): Record<string, Fault> {
    const taken = Object.entries(flags).filter(([method]) => {
      if (method === '*' || !this.methods || this.methods.includes(method)) return true;
      this.log?.warn(
        { method, methods: this.methods },
        `fault flag ignored: this service has no method ${method}`,
      );
      return false;
    });
    this.flags = new Map(taken);
    return Object.fromEntries(taken);
  }

  /** The flag for a call path ("/pkg.Service/Method"), if any. */
  lookup(path: string): Fault | undefined {
    if (path.startsWith('/grpc.')) return undefined; // health, reflection
    const method = path.slice(path.lastIndexOf('/') + 1);
    return this.flags.get(method) ?? this.flags.get('*');
  }

  get size(): number {
    return this.flags.size;
  }
}

/** Reads a propagation field from gRPC metadata (its values are lists; text ones are strings). */
const metadataGetter: TextMapGetter<grpc.Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => metadata.get(key).map(String),
};

/**
 * The trace the caller sent (`traceparent`, read by the process's configured propagator) as
 * `trace_id`, or nothing. Interceptors run before the gRPC instrumentation opens the call's
 * span, so the logger's mixin finds none: without this a `fault injected` line could not be
 * tied to the request it slowed or failed.
 */
function callerTrace(metadata: grpc.Metadata): { trace_id?: string } {
  const caller = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, metadata, metadataGetter));
  return caller && isSpanContextValid(caller) ? { trace_id: caller.traceId } : {};
}

/**
 * The server interceptor that honours the table: a call a flag applies to (by its ratio) waits
 * `delayMs` before its request reaches the handler, then fails with `code` if there is one.
 * Each fault applied is logged (`fault injected`: method, delay_ms, code, and the caller's
 * trace_id): the call's own `rpc` line times the handler only, and a call failed by a flag never
 * reaches one.
 */
export function faultInterceptor(
  table: FaultTable,
  log?: Logger,
  random: () => number = Math.random,
): grpc.ServerInterceptor {
  return (descriptor, call) => {
    const fault = table.lookup(descriptor.path);
    if (!fault || random() >= fault.ratio) return new grpc.ServerInterceptingCall(call);
    const intercepted: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            log?.info(
              {
                method: descriptor.path,
                delay_ms: fault.delayMs,
                ...(fault.code !== undefined && { code: grpc.status[fault.code] }),
                ...callerTrace(metadata),
              },
              'fault injected',
            );
            nextMetadata(metadata);
          },
          onReceiveMessage(message, nextMessage) {
            setTimeout(() => {
              if (fault.code === undefined) return nextMessage(message);
              intercepted.sendStatus({
                code: fault.code,
                details: `injected fault: ${grpc.status[fault.code]} in ${descriptor.path}`,
                metadata: new grpc.Metadata(),
              });
            }, fault.delayMs);
          },
        });
      },
    });
    return intercepted;
  };
}

interface KvEntry {
  Key: string;
  Value: string | null;
}

/**
 * Keeps `table` equal to the flags under `flight-mesh/faults/<service>/` in Consul (a blocking
 * query; on errors a fresh query after a backoff, the last flags staying in force). A flag that
 * does not parse is logged and ignored. Returns a function that stops watching.
 */
export function watchFaults(
  consulAddress: string,
  service: string,
  table: FaultTable,
  log: Logger,
): () => void {
  const url = new URL(consulAddress);
  const consul = new Consul({
    host: url.hostname,
    port: Number(url.port),
    secure: url.protocol === 'https:',
  });
  const prefix = `${FAULTS_KV_PREFIX}/${service}/`;
  let watch: ReturnType<typeof consul.watch> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let stopped = false;
  let seen: string | undefined;
  const start = () => {
    if (stopped) return;
    const current = consul.watch({
      method: consul.kv.get,
      options: { key: prefix, recurse: true, wait: '30s' } as never,
    });
    watch = current;
    current.on('change', (entries: KvEntry[] | undefined) => {
      failures = 0;
      // Consul wakes a watch of a prefix on writes elsewhere in KV too: the same flags again are
      // no news, and are neither logged nor re-applied.
      const raw = JSON.stringify((entries ?? []).map(({ Key, Value }) => [Key, Value]));
      if (raw === seen) return;
      seen = raw;
      const flags: Record<string, Fault> = {};
      for (const { Key, Value } of entries ?? []) {
        const method = Key.slice(prefix.length);
        if (!method) continue;
        if (!Value) {
          log.warn({ key: Key }, 'fault flag ignored: it is empty (delete the key to lift a flag)');
          continue;
        }
        try {
          flags[method] = parseFault(Value);
        } catch (err) {
          log.warn(
            { key: Key, err: (err as Error).message },
            'fault flag ignored: not a valid flag',
          );
        }
      }
      const taken = table.replace(flags);
      log.info({ faults: taken }, Object.keys(taken).length ? 'fault flags set' : 'no fault flags');
    });
    current.on('error', (err: unknown) => {
      current.end();
      if (watch !== current || stopped) return;
      watch = undefined;
      failures++;
      log.debug({ err: String(err) }, 'fault flag watch failed; retrying');
      retry = setTimeout(start, retryDelayMs(failures, 200, 10_000));
      retry.unref();
    });
  };
  start();
  return () => {
    stopped = true;
    clearTimeout(retry);
    watch?.end();
  };
}
