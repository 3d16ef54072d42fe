/**
 * Compensation wins whatever the order of arrival (issue 17, item 3): two schedule processes on
 * one PostgreSQL database, one of them paused with SIGSTOP while a hold is in its hands, the
 * release of that hold sent to the other; and one paused inside a release's transaction, with the
 * hold's row locked, while the release is retried on the other. The paused one is resumed
 * (SIGCONT) afterwards.
 */
import { status } from '@grpc/grpc-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cabin } from '../../gen/ts/flights/v1/common.js';
import { HoldStatus, ScheduleServiceService } from '../../gen/ts/flights/v1/schedule.js';
import { createClient, type ServiceClient } from '../../platform/clients.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/postgres.js';
import { freePort, spawnEntry, type Spawned } from '../../test/support/processes.js';
import { failure, TEST_START_DATE } from '../../test/support/schedule.js';
import { testDate } from '../../test/support/dates.js';

type Schedule = ServiceClient<typeof ScheduleServiceService>;

interface Instance {
  proc: Spawned;
  client: Schedule;
  /** The application_name of its database sessions, to find them in pg_stat_activity. */
  sessions: string;
}

let db: TestDatabase;
let admin: pg.Client;
let a: Instance;
let b: Instance;
const flights: string[] = [];

async function startInstance(name: string): Promise<Instance> {
  const port = await freePort();
  const url = new URL(db.url);
  url.searchParams.set('application_name', name);
  const proc = spawnEntry('services/schedule/main.ts', {
    PORT: String(port),
    DATABASE_URL: url.toString(),
    SCHEDULE_START_DATE: TEST_START_DATE,
    SCHEDULE_DAYS: '30',
    LOG_LEVEL: 'info',
  });
  await proc.waitForLine((l) => l.includes('ready: serving'), 60_000);
  const client = createClient(ScheduleServiceService, {
    target: `dns:///127.0.0.1:${port}`,
    defaultDeadlineMs: 30_000,
  });
  return { proc, client, sessions: name };
}

const economy = async (flightId: string) => {
  const { flights: found } = await a.client.getAvailability({ flightIds: [flightId] });
  return found[0]!.cabins.find((c) => c.cabin === Cabin.CABIN_ECONOMY)!;
};

const holdRequest = (holdId: string, flightId: string) => ({
  holdId,
  items: [{ flightId, cabin: Cabin.CABIN_ECONOMY, seats: 2 }],
  ttlSeconds: 600,
});

/** Waits until a session of `name` is in the state asked (pg_stat_activity), polling for 20 s. */
async function sessionOf(name: string, where: string): Promise<void> {
  for (const giveUp = Date.now() + 20_000; ;) {
    if (Date.now() > giveUp) throw new Error(`no session of ${name} where ${where}`);
    const { rows } = await admin.query(
      `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND ${where}`,
      [name],
    );
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  db = await createTestDatabase('schedule_frozen');
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  [a, b] = await Promise.all([startInstance('schedule-a'), startInstance('schedule-b')]);
  for await (const r of a.client.listFlights({
    origin: 'LHR',
    destination: 'JFK',
    fromDate: testDate(1),
    toDate: testDate(11),
    includeCancelled: false,
  }))
    flights.push(r.flight!.flightId);
  // Both clients connected before anyone is paused.
  await b.client.listAirports({ query: 'lon', pageSize: 0, pageToken: '' });
}, 120_000);

afterAll(async () => {
  for (const i of [a, b]) {
    if (!i) continue;
    i.client.close();
    await i.proc.stop();
  }
  await admin?.end();
  await db?.drop();
});

describe('compensation against a paused schedule instance', () => {
  it('refuses a hold that arrives after its release, and takes no seats for it', async () => {
    const flightId = flights.shift()!;
    const before = await economy(flightId);
    // The hold reaches the paused instance and waits there; its release goes to the other.
    let late!: ReturnType<typeof b.client.holdSeats>;
    await b.proc.whilePaused(async () => {
      late = b.client.holdSeats(holdRequest('late-hold', flightId));
      late.catch(() => {}); // awaited below, after B is resumed
      const released = await a.client.releaseSeats({ holdId: 'late-hold' });
      expect(released.hold!.status).toBe(HoldStatus.HOLD_STATUS_RELEASED);
      expect(released.hold!.items).toEqual([]);
    });
    const refused = await failure(late);
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.reason).toBe('HOLD_STATE_CONFLICT');
    const after = await economy(flightId);
    expect([after.held, after.sold]).toEqual([before.held, before.sold]);
    expect((await a.client.getHold({ holdId: 'late-hold' })).hold!.status).toBe(
      HoldStatus.HOLD_STATUS_RELEASED,
    );
    // Releasing again, and holding again under the released id, change nothing.
    expect((await a.client.releaseSeats({ holdId: 'late-hold' })).hold!.status).toBe(
      HoldStatus.HOLD_STATUS_RELEASED,
    );
    expect((await failure(a.client.holdSeats(holdRequest('late-hold', flightId)))).reason).toBe(
      'HOLD_STATE_CONFLICT',
    );
    expect((await economy(flightId)).held).toBe(before.held);
  }, 60_000);

  it('frees the rows a paused instance locked mid-transaction: the release retried on the other instance returns the seats once', async () => {
    const flightId = flights.shift()!;
    const before = await economy(flightId);
    await a.client.holdSeats(holdRequest('stuck-release', flightId));

    // HoldSeats and a live confirmation are one statement each (hold-store.ts), so the place an
    // instance can stop holding a lock is ReleaseSeats: its transaction locks the hold's row
    // (SELECT … FOR UPDATE) and then moves the seats. The test holds that row first, so B's
    // release waits on it; B is paused while it waits; the row is let go, B's SELECT gets the
    // lock in PostgreSQL, and B (paused) never commits.
    await admin.query('BEGIN');
    const locked = await admin.query('SELECT 1 FROM holds WHERE hold_id = $1 FOR UPDATE', [
      'stuck-release',
    ]);
    expect(locked.rows).toHaveLength(1);
    const stuck = b.client.releaseSeats({ holdId: 'stuck-release' }).then(
      (r) => r,
      (err: unknown) => err,
    );
    await sessionOf(b.sessions, "wait_event_type = 'Lock'");
    await b.proc.whilePaused(async () => {
      await admin.query('COMMIT');
      await sessionOf(b.sessions, "state = 'idle in transaction'");

      // While B stays paused: the saga's retried release goes through on A (PostgreSQL ends B's
      // transaction after its idle limit), and another buyer holds on the same cabin.
      const released = await a.client.releaseSeats({ holdId: 'stuck-release' });
      expect(released.hold!.status).toBe(HoldStatus.HOLD_STATUS_RELEASED);
      const other = await a.client.holdSeats(holdRequest('other-buyer', flightId));
      expect(other.hold!.status).toBe(HoldStatus.HOLD_STATUS_HELD);
      const { rows } = await admin.query(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle in transaction'",
        [b.sessions],
      );
      expect(rows).toEqual([]);
    });
    // B wakes to a session PostgreSQL ended: its release fails (the caller retries it, and a
    // retry finds the hold released), and B goes on serving.
    expect(await stuck).toBeInstanceOf(Error);
    const again = await b.client.releaseSeats({ holdId: 'stuck-release' });
    expect(again.hold!.status).toBe(HoldStatus.HOLD_STATUS_RELEASED);
    // The held seats came back exactly once: what is held now is the other buyer's.
    const after = await economy(flightId);
    expect(after.held).toBe(before.held + 2);
    expect(after.sold).toBe(before.sold);
  }, 60_000);
});
