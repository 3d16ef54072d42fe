import type { ChannelCredentials } from '@grpc/grpc-js';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  HealthCheckResponse_ServingStatus,
  HealthService,
} from '../gen/ts/grpc/health/v1/health.js';
import { createClient } from '../platform/clients.js';

/** How often a wait tries again (ms). */
const POLL_MS = 100;

/** Whether something accepts TCP connections on 127.0.0.1:`port` now. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Waits until the process on `port` says SERVING over gRPC health (`credentials`: the mesh's
 * mTLS, or plaintext when undefined); throws after `timeoutMs` ms.
 *
 * It first waits for the port to accept TCP, which costs next to nothing, and only then opens
 * the gRPC channel. Polling health on a channel from the start made it reconnect every 100–250
 * ms through every child's seconds of start-up, and each attempt built a TLS secure context and
 * an error with a source-mapped stack: 1.3 s of the launcher's 3.7 s of CPU in a warm `npm
 * start`, on two cores the services were starting on (`node --cpu-prof`). The channel retries
 * within 100–250 ms: with gRPC's default backoff (1 s growing to minutes) a child that began
 * listening just after a failed attempt was noticed seconds late.
 */
export async function waitServing(
  name: string,
  port: number,
  credentials: ChannelCredentials | undefined,
  timeoutMs = 120_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  const late = () => new Error(`${name} did not become SERVING within ${timeoutMs} ms`);
  while (!(await accepting(port))) {
    if (Date.now() > until) throw late();
    await sleep(POLL_MS);
  }
  const health = createClient(HealthService, {
    target: `dns:///127.0.0.1:${port}`,
    defaultDeadlineMs: 1_000,
    credentials,
    channelOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 250,
      // The TLS server name, as the mesh's own clients send it: an IP there is against RFC 6066
      // (Node warns, DEP0123); the certificate is checked by its SPIFFE id, not by this name.
      ...(credentials && { 'grpc.ssl_target_name_override': name }),
    },
  });
  try {
    for (;;) {
      const status = await health.check({ service: '' }).then(
        (r) => r.status,
        () => undefined,
      );
      if (status === HealthCheckResponse_ServingStatus.SERVING) return;
      if (Date.now() > until) throw late();
      await sleep(POLL_MS);
    }
  } finally {
    health.close();
  }
}

/** Waits until `url` answers 2xx; throws after `timeoutMs` ms. */
export async function waitHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
