import { once, setMaxListeners } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { faultInterceptor, FaultTable } from './faults.js';
import { GENERIC_ERRORS, toStatusObject, type ErrorVocabulary } from './errors.js';
import { Feeds, SHUTTING_DOWN, withHealthWatchAsFeed } from './feeds.js';
import { addLazyReflection } from './reflection.js';
import { listenOrExplain } from './listen.js';
import type { Logger } from './logger.js';
import { serverMetricsInterceptor } from './rpc-metrics.js';
import { serviceNameOf, type RequestOf, type ResponseOf, type ServiceDef } from './rpc-types.js';

/** The server side of a unary or server-streaming call. */
export type IncomingCall =
  grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

/** What a handler knows about the call it serves, with no grpc-js plumbing to learn. */
export interface CallContext {
  /** The method's path, "/package.Service/Method". */
  readonly method: string;
  /** Aborts when the caller cancels or its deadline passes: stop work then. */
  readonly signal: AbortSignal;
  readonly deadline: Date | undefined;
  readonly metadata: grpc.Metadata;
  readonly log: Logger;
  /**
   * The calling service, as the SPIFFE id of its mesh certificate names it (mTLS, which also
   * checked the intention); undefined without mTLS (static addresses: the mesh is open).
   */
  readonly caller?: string;
}

export type UnaryHandler<M> = (request: RequestOf<M>, ctx: CallContext) => Promise<ResponseOf<M>>;
export type StreamHandler<M> = (
  request: RequestOf<M>,
  ctx: CallContext,
) => AsyncIterable<ResponseOf<M>>;

/** Unary methods are async functions; server-streaming methods are async generators. */
export type Handlers<D extends ServiceDef> = {
  [K in keyof D]: D[K] extends { responseStream: true } ? StreamHandler<D[K]> : UnaryHandler<D[K]>;
};

export interface ServiceBinding {
  definition: ServiceDef;
  handlers: Record<string, (request: unknown, ctx: CallContext) => unknown>;
  /** The server-streaming methods that run until their caller leaves (see bind). */
  feeds: ReadonlySet<string>;
}

/**
 * A service's handlers, for ServiceServer. `options.feeds` names the server-streaming methods
 * that never end by themselves (change feeds: they send until their caller leaves): a server
 * shutting down ends those at once with UNAVAILABLE, so their callers resume elsewhere; every
 * other call, streams included, gets the shutdown's grace to finish.
 */
export function bind<D extends ServiceDef>(
  definition: D,
  handlers: Handlers<D>,
  options: { feeds?: Array<keyof D & string> } = {},
): ServiceBinding {
  return {
    definition,
    handlers: handlers as ServiceBinding['handlers'],
    feeds: new Set(options.feeds ?? []),
  };
}

function deadlineOf(call: IncomingCall): Date | undefined {
  const d = call.getDeadline();
  if (d instanceof Date) return d;
  return Number.isFinite(d) ? new Date(d) : undefined;
}

/**
 * Runs one call: builds its context, logs one line when it ends (method, code, duration, peer;
 * trace and span ids come from the logger's mixin, because OpenTelemetry's grpc instrumentation
 * wraps this function and so its server span is active here).
 */
function callScope(call: IncomingCall, method: string, { log, identify }: ServerScope) {
  const started = performance.now();
  const controller = new AbortController();
  // A handler that fans out attaches one listener per outgoing call in flight (each removed when
  // its call ends), so a count above Node's default of 10 is by design, not a leak.
  setMaxListeners(0, controller.signal);
  let done = false;
  // grpc-js 1.14 also emits 'cancelled' after a call completes normally: only a call that is
  // still running counts as cancelled.
  call.on('cancelled', () => {
    if (!done) controller.abort(new Error('call cancelled by the client or its deadline'));
  });
  let caller: { service: string | undefined } | undefined;
  const ctx: CallContext = {
    method,
    signal: controller.signal,
    deadline: deadlineOf(call),
    metadata: call.metadata,
    log,
    // Worked out when a handler asks, once: reading the peer certificate builds it anew from
    // the TLS session each time (fingerprints included), and few handlers ask. Read here and in
    // the authorization interceptor for every call, it was 6–7 % of schedule's and pricing's CPU
    // under booking load (bench:booking's profile); now the interceptor's read is the only one.
    get caller() {
      caller ??= { service: identify?.(call) };
      return caller.service;
    },
  };
  const end = (code: grpc.status, err?: unknown) => {
    done = true;
    const line = {
      method,
      code: grpc.status[code],
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
      peer: call.getPeer(),
    };
    if (code === grpc.status.INTERNAL || code === grpc.status.UNKNOWN)
      log.error({ ...line, err }, 'rpc failed');
    else log.info(line, 'rpc');
  };
  return { ctx, end, controller };
}

/** What every call of a server shares: its logger, the mesh's error vocabulary, who calls. */
interface ServerScope {
  log: Logger;
  errors: ErrorVocabulary;
  /** The feeds under way, stopped when the server shuts down. */
  openFeeds: Feeds;
  identify?: (call: IncomingCall) => string | undefined;
}

function adaptUnary(method: string, handler: UnaryHandler<unknown>, scope: ServerScope) {
  const { errors } = scope;
  return (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
    const { ctx, end } = callScope(call, method, scope);
    handler(call.request as never, ctx).then(
      (response) => {
        end(grpc.status.OK);
        callback(null, response);
      },
      (err: unknown) => {
        const st = toStatusObject(err, errors);
        end(st.code, err);
        callback(st);
      },
    );
  };
}

function adaptServerStream(
  method: string,
  handler: StreamHandler<unknown>,
  scope: ServerScope,
  feed: boolean,
) {
  const { errors, openFeeds } = scope;
  return async (call: grpc.ServerWritableStream<unknown, unknown>) => {
    const { ctx, end, controller } = callScope(call, method, scope);
    const stop = () => controller.abort(SHUTTING_DOWN);
    if (feed) openFeeds.add(stop);
    // A stream whose handler stopped on a signal: the caller cancelled (it hears nothing more),
    // or this server is shutting down (the caller is told to call again).
    const endAborted = () => {
      if (ctx.signal.reason !== SHUTTING_DOWN) return end(grpc.status.CANCELLED);
      end(grpc.status.UNAVAILABLE);
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: SHUTTING_DOWN.message });
    };
    try {
      for await (const message of handler(call.request as never, ctx)) {
        if (ctx.signal.aborted) break;
        if (!call.write(message)) await once(call, 'drain', { signal: ctx.signal });
      }
      if (ctx.signal.aborted) return endAborted();
      end(grpc.status.OK);
      call.end();
    } catch (err) {
      if (ctx.signal.aborted) return endAborted();
      const st = toStatusObject(err, errors);
      end(st.code, err);
      call.emit('error', st);
    } finally {
      openFeeds.delete(stop);
    }
  };
}

function implementation(
  binding: ServiceBinding,
  scope: ServerScope,
): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(binding.definition)) {
    const handler = binding.handlers[name];
    if (!handler) throw new Error(`no handler for ${def.path}`);
    if (def.requestStream) throw new Error(`client streaming is not supported: ${def.path}`);
    if (binding.feeds.has(name) && !def.responseStream)
      throw new Error(`a feed must be a server-streaming method: ${def.path}`);
    impl[name] = def.responseStream
      ? adaptServerStream(
          def.path,
          handler as StreamHandler<unknown>,
          scope,
          binding.feeds.has(name),
        )
      : adaptUnary(def.path, handler as UnaryHandler<unknown>, scope);
  }
  return impl;
}

export interface ServiceServerOptions {
  bindings: ServiceBinding[];
  log: Logger;
  /** The mesh's error vocabulary: ErrorInfo domain and default reasons (GENERIC_ERRORS if none). */
  errors?: ErrorVocabulary;
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  /** Start NOT_SERVING until setServing(true) (e.g. a service warming a cache first). */
  startNotServing?: boolean;
  /** Mutual TLS and intentions (platform/mtls.ts); plaintext and open when absent (static mode). */
  tls?: {
    credentials: grpc.ServerCredentials;
    authorization: grpc.ServerInterceptor;
    /** The calling service of a call (CallContext.caller). */
    identify?: (call: IncomingCall) => string | undefined;
  };
  /** Injected faults the server honours (platform/faults.ts); none if absent. */
  faults?: FaultTable;
  /** Keepalive ping interval, ms (30 s; tests shorten it). */
  keepaliveMs?: number;
}

/**
 * The longest a call to a mesh server lasts, ms: the deadline of the long-lived streams (the
 * feeds), after which the client simply calls again from its cursor.
 */
export const LONGEST_CALL_MS = 30 * 60_000;

/** Keepalive: a ping every 30 s keeps idle connections through NATs and finds dead peers. */
const KEEPALIVE_MS = 30_000;

/**
 * Server options of every mesh server. No max connection age: it was there so clients would
 * reconnect and spread onto instances that joined later, but the consul:/// resolver already
 * hands membership changes to round_robin without reconnecting, and in grpc-js 1.14 a
 * connection told to go away (GOAWAY) is still pinged by keepalive and dropped at the next
 * ping, grace or not (grpc/grpc-node#3068): every feed stream was cut ~5 min after its
 * connection opened, and search and pricing logged "feed dropped" on an idle mesh.
 */
const serverOptions = (keepaliveMs: number): grpc.ServerOptions => ({
  'grpc.keepalive_time_ms': keepaliveMs,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': Math.min(10_000, keepaliveMs),
});

/** A grpc-js server with health, reflection and the handler adapters above. */
export class ServiceServer {
  private constructor(
    readonly server: grpc.Server,
    readonly port: number,
    private readonly host: string,
    private readonly health: HealthImplementation,
    private readonly serviceNames: string[],
    private readonly log: Logger,
    private readonly openFeeds: Feeds,
  ) {}

  static async start(options: ServiceServerOptions): Promise<ServiceServer> {
    // Metrics outermost, so injected delays and errors are measured like real ones, and refused
    // calls are counted too; intentions before faults, so a refused caller meets no fault.
    const server = new grpc.Server({
      ...serverOptions(options.keepaliveMs ?? KEEPALIVE_MS),
      interceptors: [
        serverMetricsInterceptor,
        ...(options.tls ? [options.tls.authorization] : []),
        faultInterceptor(options.faults ?? new FaultTable(), options.log),
      ],
    });
    const names = options.bindings.map((b) => serviceNameOf(b.definition));
    const initial: ServingStatus = options.startNotServing ? 'NOT_SERVING' : 'SERVING';
    const health = new HealthImplementation(
      Object.fromEntries(['', ...names].map((n) => [n, initial])),
    );
    const openFeeds = new Feeds();
    health.addToServer(withHealthWatchAsFeed(server, openFeeds));
    addLazyReflection(server, [...names, 'grpc.health.v1.Health']);
    for (const binding of options.bindings) {
      server.addService(
        binding.definition as unknown as grpc.ServiceDefinition,
        implementation(binding, {
          log: options.log,
          errors: options.errors ?? GENERIC_ERRORS,
          identify: options.tls?.identify,
          openFeeds,
        }),
      );
    }
    const host = options.host ?? '0.0.0.0';
    const address = `${host}:${options.port}`;
    const port = await listenOrExplain(
      { host, port: options.port, variables: 'HOST, PORT' },
      () =>
        new Promise<number>((resolve, reject) =>
          server.bindAsync(
            address,
            options.tls?.credentials ?? grpc.ServerCredentials.createInsecure(),
            (err, p) => (err ? reject(err) : resolve(p)),
          ),
        ),
    );
    options.log.info(
      { port, services: names, mtls: Boolean(options.tls) },
      'grpc server listening',
    );
    return new ServiceServer(server, port, host, health, names, options.log, openFeeds);
  }

  /**
   * Ends every open connection gracefully (GOAWAY; calls under way get graceMs ms): clients
   * reconnect, and so handshake again, e.g. with certificates from a replaced CA.
   */
  drainConnections(graceMs: number): void {
    this.server.drain(`${this.host}:${this.port}`, graceMs);
  }

  /** Sets every service's health; a value it already has is not set again (watchers hear changes only). */
  setServing(serving: boolean): void {
    if (serving === this.serving) return;
    this.serving = serving;
    const value: ServingStatus = serving ? 'SERVING' : 'NOT_SERVING';
    for (const name of ['', ...this.serviceNames]) this.health.setStatus(name, value);
  }
  private serving: boolean | undefined;

  /**
   * Stops taking calls and lets running ones finish for up to graceMs, then cuts them off.
   * Health goes NOT_SERVING first so health-checking callers stop sending new calls. Feeds
   * (streams that last as long as their callers want: bind's `feeds`) are ended at once with
   * UNAVAILABLE, so their callers resume elsewhere at once instead of after graceMs, and a
   * stopping process does not wait graceMs for them. Resolves with how it ended: 'drained'
   * (every other call finished) or 'forced'.
   */
  async shutdown(graceMs: number): Promise<'drained' | 'forced'> {
    this.setServing(false);
    const drained = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    const feedsEnded = this.openFeeds.close();
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<'forced'>((resolve) => {
      timer = setTimeout(() => resolve('forced'), graceMs);
    });
    const outcome = await Promise.race([drained.then(() => 'drained' as const), forced]);
    clearTimeout(timer);
    if (outcome === 'forced') {
      this.log.warn(
        { grace_ms: graceMs },
        'in-flight calls did not finish in time: forcing shutdown',
      );
      this.server.forceShutdown();
    }
    this.log.info({ outcome, feeds_ended: feedsEnded }, 'grpc server stopped');
    return outcome;
  }
}
