import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import Consul from 'consul';
import { retryDelayMs } from './backoff.js';
import type { Logger } from './logger.js';
import { recordResolvedEndpoints } from './rpc-metrics.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

type ConsulClient = InstanceType<typeof Consul>;

function clientFor(address: string): ConsulClient {
  const url = new URL(address);
  return new Consul({
    host: url.hostname,
    port: Number(url.port),
    secure: url.protocol === 'https:',
  });
}

export interface RegistrationOptions {
  consulAddress: string;
  name: string;
  host: string;
  port: number;
  /**
   * The instance serves mesh mTLS: the check then speaks TLS without verifying (the agent has no
   * mesh certificate to present; health is the one service open to callers without one).
   */
  tls?: boolean;
  log: Logger;
  checkInterval: string;
  deregisterCriticalAfter: string;
  /** Extra service meta, e.g. the metrics port Prometheus finds it by. */
  meta?: Record<string, string>;
}

/**
 * Keeps this instance registered in Consul with a native gRPC health check. The id is stable per
 * host:port, so a restarted instance replaces its old entry instead of piling up stale ones.
 * Start it once the instance is SERVING: the check is then registered passing, so callers see
 * the instance at once rather than at the agent's first probe, up to one check interval (2 s)
 * later (measured: the last ~2 s of `npm start`); the agent's probes take over from there.
 * Consul being down at start-up (or losing its state in a restart) is survived: registration
 * retries with backoff and is re-checked periodically, while the service keeps serving.
 */
export class ConsulRegistration {
  readonly id: string;
  private readonly consul: ConsulClient;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private registered = false;
  /** The registration check under way, which deregister() lets finish first. */
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly options: RegistrationOptions) {
    this.id = `${options.name}-${options.host}-${options.port}`;
    this.consul = clientFor(options.consulAddress);
  }

  start(): void {
    this.inFlight = this.ensureRegistered(0);
  }

  private schedule(attempt: number, delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.ensureRegistered(attempt);
    }, delayMs);
    this.timer.unref();
  }

  private async ensureRegistered(attempt: number): Promise<void> {
    const { log, name, host, port } = this.options;
    try {
      const services = (await this.consul.agent.service.list()) as Record<string, unknown>;
      // The first time always (register is an upsert): an entry under this id already there is
      // a predecessor's on this port (killed, restarted), and this process must own it to
      // deregister it when it stops. After that, only when the agent forgot it.
      if ((!this.registered || !services[this.id]) && !this.stopped) {
        await this.consul.agent.service.register({
          id: this.id,
          name,
          address: host,
          port,
          tags: ['grpc', `v${version}`],
          meta: { ...this.options.meta, version, protocol: 'grpc' },
          check: {
            name: `${name} gRPC health`,
            grpc: `${host}:${port}`,
            grpcusetls: Boolean(this.options.tls),
            tlsskipverify: Boolean(this.options.tls),
            interval: this.options.checkInterval,
            timeout: '1s',
            // Registered only while serving (see above).
            status: 'passing',
            deregistercriticalserviceafter: this.options.deregisterCriticalAfter,
          },
        } as never);
        log.info(
          { consul: this.options.consulAddress, id: this.id, again: this.registered },
          'registered in consul',
        );
        this.registered = true;
      }
      // Re-check now and then: a restarted dev agent forgets its services.
      this.schedule(0, 5_000);
    } catch (err) {
      const delay = retryDelayMs(attempt, 200, 10_000);
      log.warn(
        { err: (err as Error).message, consul: this.options.consulAddress, retry_in_ms: delay },
        'consul unreachable: will retry registration',
      );
      this.schedule(attempt + 1, delay);
    }
  }

  /** Removes this instance from Consul first thing on shutdown, so callers stop picking it. */
  async deregister(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A registration still on its way would land after a deregistration sent now, and leave
    // this instance listed (until its check goes critical) after it has gone. An agent that does
    // not answer must not hold the shutdown up for long, though.
    await Promise.race([this.inFlight, sleep(2_000, undefined, { ref: false })]);
    if (!this.registered) return;
    try {
      await this.consul.agent.service.deregister(this.id);
      this.options.log.info({ id: this.id }, 'deregistered from consul');
    } catch (err) {
      this.options.log.warn(
        { err: (err as Error).message },
        'could not deregister from consul; its health check will',
      );
    }
  }
}

interface HealthEntry {
  Node: { Address: string };
  Service: { Address: string; Port: number };
}

let consulAddress: string | undefined;

/**
 * grpc-js resolver for `consul:///<service>`: a blocking query on the passing instances of the
 * service (node-consul's Watch: index tracking, index resets, backoff), so a change reaches the
 * channel as soon as Consul knows it, without polling. If Consul goes away the last known
 * endpoints stay in use while the watch retries.
 */
class ConsulResolver implements grpc.experimental.Resolver {
  private watch: ReturnType<ConsulClient['watch']> | undefined;
  private last: grpc.experimental.Endpoint[] | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly service: string;
  private readonly consul: ConsulClient;

  constructor(
    target: grpc.experimental.GrpcUri,
    private readonly listener: grpc.experimental.ResolverListener,
  ) {
    this.service = target.path.replace(/^\//, '');
    const agent = target.authority ? `http://${target.authority}` : consulAddress;
    if (!agent)
      throw new Error('consul:/// targets need CONSUL_HTTP_ADDR (or consul://host:port/service)');
    this.consul = clientFor(agent);
  }

  private report(endpoints: grpc.experimental.Endpoint[]): void {
    recordResolvedEndpoints(this.service, endpoints.length);
    if (endpoints.length === 0) {
      this.listener(
        grpc.experimental.statusOrFromError({
          code: grpc.status.UNAVAILABLE,
          details: `no passing instances of ${this.service} in consul`,
          metadata: new grpc.Metadata(),
        }),
        {},
        null,
        '',
      );
      return;
    }
    this.listener(grpc.experimental.statusOrFromValue(endpoints), {}, null, '');
  }

  updateResolution(): void {
    if (this.watch || this.retry) {
      // grpc-js asks again after connection failures: the watch already pushes every change.
      if (this.last) setImmediate(() => this.report(this.last!));
      return;
    }
    this.startWatch();
  }

  private startWatch(): void {
    this.retry = undefined;
    const watch = this.consul.watch({
      method: this.consul.health.service,
      options: { service: this.service, passing: true, wait: '30s' } as never,
    });
    this.watch = watch;
    watch.on('change', (entries: HealthEntry[]) => {
      this.failures = 0;
      // An empty passing set after a non-empty one is more often Consul itself going away (an
      // agent that leaves answers "none") than every instance dying at once. Like Envoy's panic
      // threshold, keep the last endpoints: outlier detection and retries cope with dead ones.
      if (entries.length === 0 && this.last?.length) return;
      this.last = entries.map((e) => ({
        addresses: [{ host: e.Service.Address || e.Node.Address, port: e.Service.Port }],
      }));
      this.report(this.last);
    });
    watch.on('error', () => {
      // Keep routing to the last known endpoints; only a channel that never had any fails.
      if (!this.last) {
        this.listener(
          grpc.experimental.statusOrFromError({
            code: grpc.status.UNAVAILABLE,
            details: `consul unreachable while resolving ${this.service}`,
            metadata: new grpc.Metadata(),
          }),
          {},
          null,
          '',
        );
      }
      // A fresh watch rather than node-consul's own retry: that one keeps the old index, and a
      // restarted agent (whose index starts low again) would hold the query for the whole wait
      // before anything new — a re-registered instance, say — reaches the channel.
      watch.end();
      if (this.watch !== watch) return;
      this.watch = undefined;
      this.failures++;
      this.retry = setTimeout(() => this.startWatch(), retryDelayMs(this.failures, 100, 5_000));
      this.retry.unref();
    });
  }

  destroy(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    this.watch?.end();
    this.watch = undefined;
  }

  static getDefaultAuthority(target: grpc.experimental.GrpcUri): string {
    return target.path.replace(/^\//, '');
  }
}

/** Makes `consul:///<service>` targets resolve through the agent at this address. */
export function useConsul(address: string): void {
  consulAddress = address;
  grpc.experimental.registerResolver('consul', ConsulResolver);
}
