import * as grpc from '@grpc/grpc-js';
import { createClient } from '../../platform/clients.js';
import { DEPENDENCY_UNAVAILABLE } from '../../flights/errors.js';
import { DomainError } from '../../platform/errors.js';
import type { ServiceDef } from '../../platform/rpc-types.js';

export interface FaultProxy {
  address: string;
  /** Methods (e.g. "confirmHold") that answer UNAVAILABLE instead of reaching the service. */
  failing: Set<string>;
  /**
   * Methods that reach the service but whose answer is lost: the caller gets UNAVAILABLE although
   * the call did its work (a connection cut after the commit).
   */
  lostAnswers: Set<string>;
  /** Methods that answer only after this many milliseconds (a slow dependency). */
  delays: Map<string, number>;
  /**
   * Methods whose n-th call (counting from 0) is held until the promise the function returns
   * settles (undefined: not held): a dependency a test holds back and lets go of.
   */
  gates: Map<string, (call: number) => Promise<unknown> | undefined>;
  /** Calls received per method, failing ones included: what a caller actually sent. */
  received: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A gRPC proxy in front of a real service that forwards every unary call unchanged, except the
 * methods a test marks as failing: for tests about how a caller reacts to a fault mid-flow.
 */
export async function startFaultProxy<D extends ServiceDef>(
  definition: D,
  target: string,
): Promise<FaultProxy> {
  const upstream = createClient(definition, {
    target: `dns:///${target}`,
    defaultDeadlineMs: 10_000,
  });
  const failing = new Set<string>();
  const lostAnswers = new Set<string>();
  const delays = new Map<string, number>();
  const gates = new Map<string, (call: number) => Promise<unknown> | undefined>();
  const calls = new Map<string, number>();
  const received = new Map<string, number>();
  const server = new grpc.Server();
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(definition)) {
    if (def.responseStream) continue;
    implementation[name] = (
      call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      received.set(name, (received.get(name) ?? 0) + 1);
      const unavailable = () => {
        const err = new DomainError(
          grpc.status.UNAVAILABLE,
          DEPENDENCY_UNAVAILABLE,
          `injected fault in ${name}`,
        );
        callback({ code: err.code, details: err.message });
      };
      if (failing.has(name)) return unavailable();
      const delay = delays.get(name) ?? 0;
      const n = calls.get(name) ?? 0;
      calls.set(name, n + 1);
      const gate = gates.get(name)?.(n);
      const forward = () => (upstream[name] as (r: unknown) => Promise<unknown>)(call.request);
      const held = () => (gate ? gate.then(forward) : forward());
      const lost = lostAnswers.has(name);
      (delay ? new Promise((r) => setTimeout(r, delay)).then(held) : held()).then(
        (response) => (lost ? unavailable() : callback(null, response)),
        (err: grpc.ServiceError) => (lost ? unavailable() : callback(err)),
      );
    };
  }
  server.addService(definition as unknown as grpc.ServiceDefinition, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    failing,
    lostAnswers,
    delays,
    gates,
    received,
    async close() {
      upstream.close();
      server.forceShutdown();
    },
  };
}
