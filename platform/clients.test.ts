import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthService,
} from '../gen/ts/grpc/health/v1/health.js';
import { createClient, type ServiceClient } from './clients.js';
import { errorDetails } from './errors.js';
import { createLogger } from './logger.js';
import { PeerUnavailable } from './peers.js';
import { bind, ServiceServer, type CallContext, type Handlers } from './server.js';

type Schedule = typeof ScheduleServiceService;

/** Handlers for the methods a test uses; the rest answer UNIMPLEMENTED-like errors. */
function only(handlers: Partial<Handlers<Schedule>>): Handlers<Schedule> {
  const all: Record<string, unknown> = {};
  for (const key of Object.keys(ScheduleServiceService)) {
    all[key] =
      handlers[key as keyof Schedule] ??
      (async () => Promise.reject(new Error(`${key} is not part of this test`)));
  }
  return all as Handlers<Schedule>;
}

describe('client factory over real servers', () => {
  const log = createLogger('test', 'silent');
  const errors = {
    domain: 'test.v1',
    invalidArgument: 'INVALID',
    unspecified: 'UNSPECIFIED',
    dependencyUnavailable: 'PEER_DOWN',
  };
  const seen: { deadline?: Date; cancelled?: boolean; listenersAfterFanOut?: number } = {};
  let downstream: ServiceServer;
  let upstream: ServiceServer;
  let client: ServiceClient<Schedule>;

  beforeAll(async () => {
    downstream = await ServiceServer.start({
      port: 0,
      log,
      errors,
      bindings: [
        bind(
          ScheduleServiceService,
          only({
            async getHold(_req, ctx: CallContext) {
              seen.deadline = ctx.deadline;
              try {
                await sleep(5_000, undefined, { signal: ctx.signal });
              } catch {
                seen.cancelled = true;
              }
              return { hold: undefined };
            },
            async getFlight() {
              return { flight: undefined };
            },
          }),
        ),
      ],
    });
    const toDownstream = createClient(ScheduleServiceService, {
      target: `dns:///127.0.0.1:${downstream.port}`,
      defaultDeadlineMs: 30_000,
    });
    upstream = await ServiceServer.start({
      port: 0,
      log,
      errors,
      bindings: [
        bind(
          ScheduleServiceService,
          only({
            async getHold(req, ctx) {
              return toDownstream.getHold(req, { parent: ctx });
            },
            async getFlight(req, ctx) {
              // A fan-out like search's: many calls under one parent, concurrent and in turn.
              const calls = Array.from({ length: 40 }, () =>
                toDownstream.getFlight(req, { parent: ctx }),
              );
              await Promise.all(calls);
              for (let i = 0; i < 40; i++) await toDownstream.getFlight(req, { parent: ctx });
              seen.listenersAfterFanOut = getEventListeners(ctx.signal, 'abort').length;
              return toDownstream.getFlight(req, { parent: ctx });
            },
          }),
        ),
      ],
    });
    client = createClient(ScheduleServiceService, {
      target: `dns:///127.0.0.1:${upstream.port}`,
      defaultDeadlineMs: 300,
    });
  });
  afterAll(async () => {
    client.close();
    await upstream.shutdown(100);
    await downstream.shutdown(100);
  });

  it('gives every call a deadline and carries the caller’s deadline and cancellation downstream', async () => {
    const started = Date.now();
    const err = await client.getHold({ holdId: 'x' }).catch((e: unknown) => e);
    expect(errorDetails(err).code).toBe(status.DEADLINE_EXCEEDED);
    // The downstream call got the caller's 300 ms budget, not its own 30 s default...
    expect(seen.deadline!.getTime() - started).toBeLessThanOrEqual(400);
    // ...and stopped working when the caller's deadline passed.
    await sleep(200);
    expect(seen.cancelled).toBe(true);
  });

  it('cancels a call when the caller aborts', async () => {
    seen.cancelled = false;
    const controller = new AbortController();
    const call = client
      .getHold({ holdId: 'y' }, { signal: controller.signal, deadlineMs: 5_000 })
      .catch((e: unknown) => e);
    await sleep(100);
    controller.abort();
    expect(errorDetails(await call).code).toBe(status.CANCELLED);
    await sleep(200);
    expect(seen.cancelled).toBe(true);
  });

  it('fans out under one parent without piling listeners on the incoming call', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await client.getFlight({ flightId: 'x' }, { deadlineMs: 5_000 });
    } finally {
      process.off('warning', onWarning);
    }
    // Every outgoing call removed its cancellation listener when it ended...
    expect(seen.listenersAfterFanOut).toBe(0);
    // ...and 81 calls under one parent raised no MaxListenersExceededWarning.
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('serves health and reports NOT_SERVING during shutdown', async () => {
    const health = createClient(HealthService, {
      target: `dns:///127.0.0.1:${downstream.port}`,
      defaultDeadlineMs: 2_000,
    });
    expect((await health.check({ service: 'flights.v1.ScheduleService' })).status).toBe(
      ServingStatus.SERVING,
    );
    downstream.setServing(false);
    expect((await health.check({ service: '' })).status).toBe(ServingStatus.NOT_SERVING);
    downstream.setServing(true);
    health.close();
  });
});

/**
 * Retries stop at the service that knows: an UNAVAILABLE a running service answers (a peer of
 * its down) is not retried again by its caller's channel, which would multiply the retries
 * along a chain; an instance that cannot be reached is still retried by the channel.
 */
describe('transparent retries', () => {
  it('do not repeat a call a running service answered UNAVAILABLE, and say when to try again', async () => {
    let calls = 0;
    const server = await ServiceServer.start({
      port: 0,
      log: createLogger('test', 'silent'),
      bindings: [
        bind(
          ScheduleServiceService,
          only({
            async getFlight() {
              calls++;
              throw new PeerUnavailable(
                { reason: 'PEER_DOWN', message: 'a service behind this one is down' },
                new Error('connect ECONNREFUSED'),
              );
            },
          }),
        ),
      ],
    });
    // GetFlight is side-effect free: the channel's retry policy covers it (4 attempts).
    const caller = createClient(ScheduleServiceService, {
      target: `dns:///127.0.0.1:${server.port}`,
      defaultDeadlineMs: 5_000,
    });
    try {
      const err = await caller.getFlight({ flightId: 'BA117-2026-12-01' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: status.UNAVAILABLE });
      expect(calls).toBe(1);
      expect(errorDetails(err).retryDelayMs).toBe(1000);
    } finally {
      caller.close();
      await server.shutdown(1_000);
    }
  });
});
