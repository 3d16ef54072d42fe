import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BookingServiceService, BookingStatus } from '../gen/ts/flights/v1/booking.js';
import { Cabin } from '../gen/ts/flights/v1/common.js';
import { PricingServiceService } from '../gen/ts/flights/v1/pricing.js';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import { createClient } from '../platform/clients.js';
import { BFF_METRICS_PORT, BFF_PORT, MESH } from '../flights/mesh.js';
import { IDENTITY_PORT } from '../identity/config.js';
import { portOffsetProblem } from '../scripts/port-offset.js';
import { bookingRequest } from './support/booking.js';
import { testDate } from './support/dates.js';
import { retryingUnavailable } from './support/retry.js';
import { jsonLines, spawnProcess, type Spawned } from './support/processes.js';
import { flightIdsOn, TEST_START_DATE } from './support/schedule.js';

/**
 * The local addresses TCP sockets listen on, by port, from the kernel's own tables (Linux):
 * "127.0.0.1", "0.0.0.0", "::" …
 */
async function listeningAddresses(): Promise<Map<number, string[]>> {
  const byPort = new Map<number, string[]>();
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    const rows = (await readFile(file, 'utf8').catch(() => '')).trim().split('\n').slice(1);
    for (const row of rows) {
      const [, local, , state] = row.trim().split(/\s+/);
      if (state !== '0A') continue; // LISTEN
      const [hex, portHex] = local!.split(':') as [string, string];
      const address = v6
        ? /^0+$/.test(hex)
          ? '::'
          : hex
        : // Little-endian IPv4: "0100007F" is 127.0.0.1.
          [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
      const port = parseInt(portHex, 16);
      byPort.set(port, [...(byPort.get(port) ?? []), address]);
    }
  }
  return byPort;
}

/**
 * `npm start` as a person at a terminal uses it: one Ctrl-C is one graceful stop of every
 * process. The terminal sends SIGINT to its whole foreground process group, so the test does the
 * same (a negative pid), not a signal to the launcher alone.
 */
describe('npm start launcher', () => {
  let mesh: Spawned | undefined;
  afterAll(() => {
    // If the test failed half-way, take the launcher and every child with it.
    if (mesh?.child.exitCode === null) process.kill(-mesh.child.pid!, 'SIGKILL');
  });

  it('listens on loopback only; runs two pricing instances on one embedded store: a quote from a killed one books, and it comes back; one Ctrl-C stops every process gracefully', async () => {
    // Not one that puts the BFF on a port browsers block (7080: 10080), which the launcher refuses.
    let offset: number;
    do offset = 7000 + Math.floor(Math.random() * 900);
    while (portOffsetProblem(String(offset), { BFF: BFF_PORT, identity: IDENTITY_PORT }));
    mesh = spawnProcess(
      process.execPath,
      ['--import', 'tsx', 'scripts/mesh.ts'],
      {
        MESH_DISCOVERY: 'static',
        // Far from the default ports and from the ephemeral range other suites draw from.
        MESH_PORT_OFFSET: String(offset),
        MESH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mesh-launcher-')),
        SCHEDULE_START_DATE: TEST_START_DATE,
        SEARCH_START_DATE: TEST_START_DATE,
        SHUTDOWN_GRACE_MS: '3000',
      },
      { detached: true },
    );
    await mesh.waitForLine((l) => l.includes('flight mesh is up'), 300_000);
    const m = mesh;

    // Every API and /metrics port of the mesh listens on loopback only, and on no other address.
    const ports = [
      ...Object.values(MESH).flatMap((s) => [s.port, s.metricsPort]),
      BFF_PORT,
      BFF_METRICS_PORT,
      IDENTITY_PORT,
    ].map((p) => p + offset);
    const listening = await listeningAddresses();
    for (const p of ports) expect(listening.get(p), `port ${p}`).toEqual(['127.0.0.1']);

    // The embedded defaults: no DATABASE_URL, so pricing's two instances share a store process.
    const target = (name: keyof typeof MESH, instance = 0) =>
      `dns:///127.0.0.1:${MESH[name].port + offset + 10 * instance}`;
    const schedule = createClient(ScheduleServiceService, {
      target: target('schedule'),
      defaultDeadlineMs: 30_000,
    });
    const pricing2 = createClient(PricingServiceService, {
      target: target('pricing', 1),
      defaultDeadlineMs: 30_000,
    });
    const booking = createClient(BookingServiceService, {
      target: target('booking'),
      defaultDeadlineMs: 30_000,
    });
    try {
      const [flightId] = await flightIdsOn(
        { client: schedule },
        'JFK',
        'LHR',
        testDate(9),
        testDate(9),
      );
      // A client honours UNAVAILABLE + RetryInfo: on a loaded machine pricing's first call to
      // schedule (2 s deadline) may not make it, and the answer says to try again.
      const { quote } = await retryingUnavailable(() =>
        pricing2.createQuote({
          flightIds: [flightId!],
          passengers: { adults: 1, children: 0, infants: 0 },
          cabin: Cabin.CABIN_ECONOMY,
          requestId: '',
        }),
      );

      // pricing-2, which made the quote, dies; booking confirms it through pricing (instance 1).
      const pidOf = (name: string) =>
        Number(
          m.lines
            .filter((l) => l.startsWith(`started ${name}, pid `))
            .at(-1)!
            .split(' pid ')[1],
        );
      const killed = pidOf('pricing-2');
      process.kill(killed, 'SIGKILL');
      // Retried under the same idempotency key, as a client retries.
      const request = bookingRequest(quote!.quoteId);
      const { booking: booked } = await retryingUnavailable(() => booking.createBooking(request));
      expect(booked).toMatchObject({
        status: BookingStatus.BOOKING_STATUS_CONFIRMED,
        quoteId: quote!.quoteId,
      });

      // The launcher restarts it (the mesh goes on), and it serves the same quotes again.
      await m.waitForLine((l) => l.includes('pricing-2 exited (SIGKILL); restarting it'));
      await vi.waitFor(() => expect(pidOf('pricing-2')).not.toBe(killed), { timeout: 10_000 });
      await vi.waitFor(
        async () =>
          expect((await pricing2.getQuote({ quoteId: quote!.quoteId })).quote!.quoteId).toBe(
            quote!.quoteId,
          ),
        { timeout: 120_000, interval: 500 },
      );
    } finally {
      for (const c of [schedule, pricing2, booking]) c.close();
    }

    process.kill(-mesh.child.pid!, 'SIGINT');
    // Under `npm start` the same Ctrl-C comes again a moment later: npm passes it on to its child.
    await new Promise((r) => setTimeout(r, 50));
    process.kill(mesh.child.pid!, 'SIGINT');
    const exit = await mesh.exited;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(mesh.lines.join('\n')).not.toContain('second signal');
    // Each process was told once, by the launcher (not by the terminal as well), and in order:
    // callers stop before the services they call.
    const shutdowns = jsonLines(mesh.lines).filter((l) => l.msg === 'shutting down');
    expect(shutdowns.map((l) => [l.service, l.signal])).toEqual(
      [
        'bff',
        'booking',
        'search',
        'pricing',
        'pricing',
        'pricing-store',
        'schedule',
        'identity',
      ].map((s) => [s, 'SIGTERM']),
    );
  }, 600_000);
});
