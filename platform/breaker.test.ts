import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { capturingLogger } from '../test/support/logs.js';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import { countsAgainst, createGuard, type GuardOptions } from './breaker.js';
import { createClient, type ServiceClient } from './clients.js';
import { DomainError, errorDetails } from './errors.js';
import { createLogger } from './logger.js';
import { bind, ServiceServer, type Handlers } from './server.js';

type Schedule = typeof ScheduleServiceService;

const LISTING = {
  origin: 'LHR',
  destination: 'JFK',
  fromDate: '2026-12-02',
  toDate: '2026-12-02',
  includeCancelled: false,
};

/**
 * How the real downstream server answers getHold and listFlights: ok, UNAVAILABLE, NOT_FOUND, or
 * held open; 'late' (listFlights only): one message, then UNAVAILABLE.
 */
type Mode = 'ok' | 'unavailable' | 'not_found' | 'hang' | 'late';

function only(handlers: Partial<Handlers<Schedule>>): Handlers<Schedule> {
  const all: Record<string, unknown> = {};
  for (const key of Object.keys(ScheduleServiceService))
    all[key] = handlers[key as keyof Schedule] ?? (async () => Promise.reject(new Error(key)));
  return all as Handlers<Schedule>;
}

const BASE: GuardOptions = {
  failureRatio: 0.5,
  windowMs: 60_000,
  // 0.1 calls/s over 60 s: the breaker may open once 6 calls were sampled.
  minimumRps: 0.1,
  halfOpenAfterMs: 60_000,
  minBudgetShare: 0.5,
  maxConcurrent: 50,
  maxQueued: 0,
  maxStreams: 50,
};

describe('circuit breaker and bulkhead over a real server', () => {
  const errors = {
    domain: 'test.v1',
    invalidArgument: 'INVALID',
    unspecified: 'UNSPECIFIED',
    dependencyUnavailable: 'PEER_DOWN',
  };
  const state = { mode: 'ok' as Mode, calls: 0, streams: 0, release: [] as Array<() => void> };
  const { log, lines: logLines } = capturingLogger<{
    msg: string;
    target?: string;
    state?: string;
  }>();
  let server: ServiceServer;
  const clients: ServiceClient<Schedule>[] = [];

  /** A guarded client whose methods have `deadlineMs` (10 s) unless a call's caller cuts it. */
  function clientWith(options: Partial<GuardOptions>, deadlineMs = 10_000) {
    const guard = createGuard('schedule', { ...BASE, ...options }, log, errors);
    const client = createClient(ScheduleServiceService, {
      target: `dns:///127.0.0.1:${server.port}`,
      defaultDeadlineMs: deadlineMs,
      guard,
    });
    clients.push(client);
    return { guard, client };
  }

  beforeAll(async () => {
    server = await ServiceServer.start({
      port: 0,
      log: createLogger('downstream', 'silent'),
      errors,
      bindings: [
        bind(
          ScheduleServiceService,
          only({
            async getHold(_req, ctx) {
              state.calls++;
              if (state.mode === 'unavailable')
                throw new DomainError(status.UNAVAILABLE, 'DOWN', 'injected: down');
              if (state.mode === 'not_found')
                throw new DomainError(status.NOT_FOUND, 'HOLD_NOT_FOUND', 'no such hold');
              if (state.mode === 'hang')
                await new Promise<void>((resolve) => {
                  state.release.push(resolve);
                  ctx.signal.addEventListener('abort', () => resolve());
                });
              return { hold: undefined };
            },
            async *listFlights(_req, ctx) {
              state.streams++;
              if (state.mode === 'unavailable')
                throw new DomainError(status.UNAVAILABLE, 'DOWN', 'injected: down');
              if (state.mode === 'not_found')
                throw new DomainError(status.NOT_FOUND, 'FLIGHT_NOT_FOUND', 'no such route');
              if (state.mode === 'hang')
                await new Promise<void>((resolve) => {
                  state.release.push(resolve);
                  ctx.signal.addEventListener('abort', () => resolve());
                });
              yield { flight: undefined, cursor: '' };
              if (state.mode === 'late')
                throw new DomainError(status.UNAVAILABLE, 'DOWN', 'injected: cut midway');
              // Open until the client stops reading or cancels: a feed.
              if (state.mode === 'hang')
                await new Promise<void>((resolve) =>
                  ctx.signal.addEventListener('abort', () => resolve()),
                );
            },
          }),
        ),
      ],
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server.shutdown(100);
  });

  const call = (client: ServiceClient<Schedule>, deadlineMs?: number) =>
    client.getHold({ holdId: 'h' }, deadlineMs === undefined ? {} : { deadlineMs }).then(
      () => 'ok',
      (err: unknown) => errorDetails(err),
    );

  it('opens after a failure ratio and then fails at once without calling the dependency', async () => {
    const { guard, client } = clientWith({});
    state.mode = 'unavailable';
    for (let i = 0; i < 6; i++) await call(client);
    expect(guard.state()).toBe('open');
    expect(logLines).toContainEqual(
      expect.objectContaining({ msg: 'circuit breaker open', target: 'schedule', state: 'open' }),
    );

    // Now the dependency would hang for the whole 10 s deadline; an open breaker never asks it.
    state.mode = 'hang';
    const before = state.calls;
    const results = await Promise.all(Array.from({ length: 20 }, () => call(client)));
    for (const r of results)
      expect(r).toMatchObject({
        code: status.UNAVAILABLE,
        message: expect.stringMatching(/schedule is unavailable: its circuit breaker is open/),
        // The mesh's own reason, and when to try again: when the half-open probe may go.
        reason: 'PEER_DOWN',
        metadata: { dependency: 'schedule', refused_by: 'circuit_breaker' },
        retryDelayMs: expect.any(Number),
      });
    expect((results[0] as { retryDelayMs: number }).retryDelayMs).toBeGreaterThan(1_000);
    expect(state.calls).toBe(before);
  });

  it('lets one probe through when half-open and closes when it succeeds', async () => {
    const { guard, client } = clientWith({ halfOpenAfterMs: 50 });
    state.mode = 'unavailable';
    for (let i = 0; i < 6; i++) await call(client);
    expect(guard.state()).toBe('open');
    state.mode = 'ok';
    const before = state.calls;
    // Until the half-open delay passes calls are refused; the first one after it is the probe.
    await vi.waitFor(async () => expect(await call(client)).toBe('ok'), { interval: 20 });
    expect(state.calls).toBe(before + 1);
    expect(guard.state()).toBe('closed');
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'circuit breaker half-open' }));
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'circuit breaker closed' }));
  });

  it('re-opens when the half-open probe fails', async () => {
    const { guard, client } = clientWith({ halfOpenAfterMs: 50 });
    state.mode = 'unavailable';
    for (let i = 0; i < 6; i++) await call(client);
    const before = state.calls;
    // Refused at once until the half-open delay passes; then one probe reaches the server.
    await vi.waitFor(
      async () => {
        await call(client);
        expect(state.calls).toBe(before + 1);
      },
      { interval: 20 },
    );
    expect(guard.state()).toBe('open');
    expect(await call(client)).toMatchObject({ code: status.UNAVAILABLE });
    expect(state.calls).toBe(before + 1);
  });

  it('does not count a dependency’s "no" (NOT_FOUND) as a failure', async () => {
    const { guard, client } = clientWith({});
    state.mode = 'not_found';
    const results = await Promise.all(Array.from({ length: 20 }, () => call(client)));
    expect(results.every((r) => (r as { code: number }).code === status.NOT_FOUND)).toBe(true);
    expect(guard.state()).toBe('closed');
  });

  describe('a deadline the caller’s own short budget made', () => {
    it('is not held against a dependency that had little of its method’s deadline', async () => {
      // A 10 s method called with 40 ms left (an X-Request-Timeout of 40 ms, an incoming
      // deadline nearly spent): the hanging dependency is asked every time, each call runs
      // out, and the breaker stays closed.
      const { guard, client } = clientWith({});
      state.mode = 'hang';
      const before = state.calls;
      for (let i = 0; i < 12; i++)
        expect(await call(client, 40)).toMatchObject({ code: status.DEADLINE_EXCEEDED });
      expect(state.calls).toBe(before + 12);
      expect(guard.state()).toBe('closed');
    });

    it('counts when the dependency had a reasonable share of the deadline', async () => {
      // The same hanging dependency, a 100 ms method given 60 ms (over half of it) or all of it.
      const { guard, client } = clientWith({}, 100);
      state.mode = 'hang';
      for (let i = 0; i < 3; i++) await call(client, 60);
      for (let i = 0; i < 3; i++) await call(client);
      expect(guard.state()).toBe('open');
      expect(await call(client)).toMatchObject({ metadata: { refused_by: 'circuit_breaker' } });
    });

    it('counts as a failed half-open probe: a cut-off probe has not shown the dependency answers', async () => {
      const { guard, client } = clientWith({ halfOpenAfterMs: 50 });
      state.mode = 'unavailable';
      for (let i = 0; i < 6; i++) await call(client);
      expect(guard.state()).toBe('open');
      state.mode = 'hang';
      const before = state.calls;
      await vi.waitFor(
        async () => {
          await call(client, 40);
          expect(state.calls).toBe(before + 1);
        },
        { interval: 20 },
      );
      expect(guard.state()).toBe('open');
    });

    it('is told apart from other failures by code and share', () => {
      const err = (code: number) => Object.assign(new Error('x'), { code, details: 'x' });
      const short = { givenMs: 100, methodMs: 5_000 };
      const fair = { givenMs: 2_500, methodMs: 5_000 };
      expect(countsAgainst(err(status.DEADLINE_EXCEEDED), short, 0.5)).toBe(false);
      expect(countsAgainst(err(status.DEADLINE_EXCEEDED), fair, 0.5)).toBe(true);
      expect(countsAgainst(err(status.DEADLINE_EXCEEDED), undefined, 0.5)).toBe(true);
      // A dependency that answered UNAVAILABLE within a short budget did fail.
      expect(countsAgainst(err(status.UNAVAILABLE), short, 0.5)).toBe(true);
      expect(countsAgainst(err(status.NOT_FOUND), fair, 0.5)).toBe(false);
    });
  });

  it('caps the calls in flight with a bulkhead and refuses the rest at once', async () => {
    const { client } = clientWith({ maxConcurrent: 2, maxQueued: 1 });
    state.mode = 'hang';
    state.release = [];
    const before = state.calls;
    const pending = Array.from({ length: 5 }, () => call(client));
    // Two run, one waits for a slot, two are refused without reaching the server.
    const refused = await Promise.all(pending.slice(3));
    for (const r of refused)
      expect(r).toMatchObject({
        code: status.UNAVAILABLE,
        reason: 'PEER_DOWN',
        metadata: { dependency: 'schedule', refused_by: 'bulkhead' },
      });
    await vi.waitFor(() => expect(state.release).toHaveLength(2));
    expect(state.calls).toBe(before + 2);
    state.mode = 'ok';
    for (const release of state.release.splice(0)) release();
    expect(await Promise.all(pending.slice(0, 3))).toEqual(['ok', 'ok', 'ok']);
    expect(state.calls).toBe(before + 3);
  });

  describe('server streams', () => {
    /** Reads the whole stream: the messages it got, or the error it ended with. */
    const read = async (client: ServiceClient<Schedule>) => {
      const messages: unknown[] = [];
      try {
        for await (const m of client.listFlights(LISTING)) messages.push(m);
        return { messages };
      } catch (err) {
        return { messages, error: errorDetails(err) };
      }
    };

    it('counts a stream that fails before its first message, and then refuses streams and calls', async () => {
      const { guard, client } = clientWith({});
      state.mode = 'unavailable';
      for (let i = 0; i < 6; i++)
        expect((await read(client)).error).toMatchObject({ code: status.UNAVAILABLE });
      expect(guard.state()).toBe('open');
      const before = { streams: state.streams, calls: state.calls };
      state.mode = 'hang';
      expect((await read(client)).error).toMatchObject({
        code: status.UNAVAILABLE,
        metadata: { refused_by: 'circuit_breaker' },
      });
      // One verdict per dependency: unary calls are refused too.
      expect(await call(client)).toMatchObject({ metadata: { refused_by: 'circuit_breaker' } });
      expect(state).toMatchObject(before);
    });

    it('does not count a failure after the first message, nor a "no"', async () => {
      const { guard, client } = clientWith({});
      state.mode = 'late';
      for (let i = 0; i < 8; i++) {
        const { messages, error } = await read(client);
        expect(messages).toHaveLength(1);
        expect(error).toMatchObject({ code: status.UNAVAILABLE, message: 'injected: cut midway' });
      }
      state.mode = 'not_found';
      for (let i = 0; i < 8; i++)
        expect((await read(client)).error).toMatchObject({ code: status.NOT_FOUND });
      expect(guard.state()).toBe('closed');
    });

    it('closes through a stream as the half-open probe', async () => {
      const { guard, client } = clientWith({ halfOpenAfterMs: 50 });
      state.mode = 'unavailable';
      for (let i = 0; i < 6; i++) await read(client);
      expect(guard.state()).toBe('open');
      state.mode = 'ok';
      await vi.waitFor(async () => expect((await read(client)).messages).toHaveLength(1), {
        interval: 20,
      });
      expect(guard.state()).toBe('closed');
    });

    it('does not count a stream start its caller left too little time for', async () => {
      const { guard, client } = clientWith({});
      state.mode = 'hang';
      for (let i = 0; i < 8; i++) {
        const messages: unknown[] = [];
        const error = await (async () => {
          for await (const m of client.listFlights(LISTING, { deadlineMs: 40 })) messages.push(m);
        })().then(
          () => undefined,
          (e: unknown) => errorDetails(e),
        );
        expect(error).toMatchObject({ code: status.DEADLINE_EXCEEDED });
      }
      expect(guard.state()).toBe('closed');
    });

    it('caps open streams with their own bulkhead, freed when a consumer stops early', async () => {
      const { client } = clientWith({ maxStreams: 2, maxConcurrent: 1 });
      state.mode = 'hang';
      state.release = [];
      const before = state.streams;
      // Two feeds open (each past its first message), held by their consumers.
      const feeds = [client.listFlights(LISTING), client.listFlights(LISTING)].map((s) =>
        s[Symbol.asyncIterator](),
      );
      const firsts = feeds.map((feed) => feed.next());
      await vi.waitFor(() => expect(state.release.length).toBe(2));
      for (const r of state.release.splice(0)) r();
      for (const first of await Promise.all(firsts)) expect(first.done).toBe(false);

      // A third is refused at once, never reaching the server; unary calls have their own cap.
      expect((await read(client)).error).toMatchObject({
        code: status.UNAVAILABLE,
        metadata: { dependency: 'schedule', refused_by: 'bulkhead' },
      });
      expect(state.streams).toBe(before + 2);
      state.mode = 'ok';
      expect(await call(client)).toBe('ok');

      // A consumer that stops frees its slot (and cancels its call): the next stream opens.
      await feeds[0]!.return!();
      expect((await read(client)).messages).toHaveLength(1);
      await feeds[1]!.return!();
    });
  });
});
