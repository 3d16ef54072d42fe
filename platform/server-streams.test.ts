import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import { createClient, type ServiceClient } from './clients.js';
import { FaultTable, parseFault } from './faults.js';
import { createLogger } from './logger.js';
import { bind, ServiceServer, type Handlers } from './server.js';

type Schedule = typeof ScheduleServiceService;

/**
 * A long server stream (a feed) lives as long as its caller wants, through the server's
 * keepalive pings. It did not: the servers had a max connection age, and grpc-js drops a
 * connection told to go away at its next keepalive ping, so every feed was cut ~5 min after
 * its connection opened ("feed dropped" on an idle mesh).
 */
describe('a long server stream', () => {
  const ticks = 30;
  let server: ServiceServer;
  let client: ServiceClient<Schedule>;

  beforeAll(async () => {
    const handlers: Record<string, unknown> = {};
    for (const key of Object.keys(ScheduleServiceService))
      handlers[key] = async () => Promise.reject(new Error(key));
    // A feed of `ticks` heartbeats, 100 ms apart: 3 s, ten keepalive pings below.
    handlers.watchSchedule = async function* (_req: unknown, ctx: { signal: AbortSignal }) {
      for (let i = 1; i <= ticks && !ctx.signal.aborted; i++) {
        await sleep(100);
        yield { cursor: String(i), event: undefined };
      }
    };
    server = await ServiceServer.start({
      port: 0,
      log: createLogger('test', 'silent'),
      bindings: [bind(ScheduleServiceService, handlers as Handlers<Schedule>)],
      keepaliveMs: 300,
    });
    client = createClient(ScheduleServiceService, {
      target: `dns:///127.0.0.1:${server.port}`,
      defaultDeadlineMs: 30_000,
    });
  });
  afterAll(async () => {
    client?.close();
    await server?.shutdown(1_000);
  });

  it('goes on through the server’s keepalive pings, every message in order', async () => {
    const cursors: string[] = [];
    for await (const m of client.watchSchedule({ cursor: '' })) cursors.push(m.cursor);
    expect(cursors).toEqual(Array.from({ length: ticks }, (_, i) => String(i + 1)));
  });
});

/**
 * A stopping server ends its feeds at once, telling their callers to call again (UNAVAILABLE),
 * and still lets other calls under way finish, streams included. It used to wait the whole
 * grace period for feeds, which never end by themselves, then cut them: every stop of schedule
 * took 10 s.
 */
describe('a server shutting down', () => {
  it('ends its feeds with UNAVAILABLE at once and lets unary calls and other streams finish', async () => {
    const handlers: Record<string, unknown> = {};
    for (const key of Object.keys(ScheduleServiceService))
      handlers[key] = async () => Promise.reject(new Error(key));
    let released = false;
    // A feed that sends one heartbeat, then waits for news that never comes.
    handlers.watchSchedule = async function* (_req: unknown, ctx: { signal: AbortSignal }) {
      yield { cursor: '1', event: undefined };
      await new Promise((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
      );
    };
    // A stream that ends by itself, still sending when the shutdown begins.
    handlers.listFlights = async function* () {
      for (let i = 0; i < 3; i++) {
        await sleep(100);
        yield { flight: undefined };
      }
    };
    // A unary call that is still working when the shutdown begins.
    handlers.getFlight = async () => {
      await sleep(300);
      released = true;
      return { flight: undefined };
    };
    const server = await ServiceServer.start({
      port: 0,
      log: createLogger('test', 'silent'),
      bindings: [
        bind(ScheduleServiceService, handlers as Handlers<Schedule>, { feeds: ['watchSchedule'] }),
      ],
    });
    const client = createClient(ScheduleServiceService, {
      target: `dns:///127.0.0.1:${server.port}`,
      defaultDeadlineMs: 30_000,
    });
    const listed = async () => {
      let n = 0;
      for await (const _ of client.listFlights({
        origin: 'JFK',
        destination: 'LHR',
        fromDate: '2026-12-01',
        toDate: '2026-12-01',
        includeCancelled: false,
      }))
        n++;
      return n;
    };
    // A health watch (what a health-checking client holds open): a feed too.
    const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
    const health = new Health(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const watch = (
      health as unknown as { watch: (r: object) => grpc.ClientReadableStream<unknown> }
    ).watch({ service: '' });
    const watchEnded = new Promise<grpc.ServiceError>((resolve) => watch.on('error', resolve));
    try {
      const feed = client.watchSchedule({ cursor: '' })[Symbol.asyncIterator]();
      expect((await feed.next()).value).toMatchObject({ cursor: '1' });
      const unary = client.getFlight({ flightId: 'BA117-2026-12-01' });
      const stream = listed();
      await sleep(50); // both calls have reached their handlers
      // A grace far longer than the test's own timeout: only a drained shutdown ends in time.
      const stopped = server.shutdown(600_000);
      await expect(feed.next()).rejects.toMatchObject({
        code: grpc.status.UNAVAILABLE,
        details: expect.stringContaining('shutting down'),
      });
      await expect(unary).resolves.toEqual({ flight: undefined });
      await expect(stream).resolves.toBe(3);
      expect(released).toBe(true);
      expect(await watchEnded).toMatchObject({ code: grpc.status.UNAVAILABLE });
      expect(await stopped).toBe('drained');
    } finally {
      health.close();
      client.close();
    }
  });

  it('ends a feed whose handler starts only after the shutdown began', async () => {
    const handlers: Record<string, unknown> = {};
    for (const key of Object.keys(ScheduleServiceService))
      handlers[key] = async () => Promise.reject(new Error(key));
    handlers.watchSchedule = async function* (_req: unknown, ctx: { signal: AbortSignal }) {
      yield { cursor: '1', event: undefined };
      await new Promise((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }),
      );
    };
    const server = await ServiceServer.start({
      port: 0,
      log: createLogger('test', 'silent'),
      bindings: [
        bind(ScheduleServiceService, handlers as Handlers<Schedule>, { feeds: ['watchSchedule'] }),
      ],
      // The call waits here before its handler runs, as behind an intentions check.
      faults: new FaultTable({ WatchSchedule: parseFault('{"delayMs":300}') }),
    });
    const client = createClient(ScheduleServiceService, {
      target: `dns:///127.0.0.1:${server.port}`,
      defaultDeadlineMs: 30_000,
    });
    try {
      // The connection is up (a call answered), so the feed's call reaches the server at once.
      await expect(client.getAirport({ iataCode: 'LHR' })).rejects.toThrow();
      const feed = client.watchSchedule({ cursor: '' })[Symbol.asyncIterator]();
      const first = feed.next();
      await sleep(100); // accepted, its handler not started yet
      // A grace far longer than the test's own timeout: only a drained shutdown ends in time.
      const stopped = server.shutdown(600_000);
      // UNAVAILABLE before any message: the client's retry policy calls again (here, no server
      // is left to answer), as it would reach another instance.
      await expect(first).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      expect(await stopped).toBe('drained');
    } finally {
      client.close();
    }
  });
});
