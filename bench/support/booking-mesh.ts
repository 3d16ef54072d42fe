/**
 * The mesh a booking benchmark runs against: fresh PostgreSQL databases (schedule, pricing,
 * booking), a Consul dev agent, and every service as its own process exactly as
 * `npm start` runs it (the compiled JavaScript, the tracing preload, pino at info, its V8 and
 * malloc settings: scripts/process-tuning.ts), registered in Consul on
 * free ports; the BFF in front. And the invariants checked after each variant.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { DEV_JWT_SECRET } from '../../bff/auth.js';
import { MALLOC_ENV, meshProcessArgs } from '../../scripts/process-tuning.js';
import { ROOT, freePort } from '../../test/support/processes.js';
import type { ConsulAgent } from '../../test/support/consul.js';
import { TEST_START_DATE } from '../../test/support/schedule.js';

/** The server PostgreSQL the benchmark makes its databases in (and runs pgbench against). */
export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

export interface MeshShape {
  schedule: number;
  booking: number;
}

export interface BenchMesh {
  bffUrl: string;
  /** Static addresses of the services (host:port list) when the mesh runs without Consul. */
  addresses?: Record<'schedule' | 'pricing' | 'booking', string>;
  /** The databases, for the invariant checks. */
  scheduleDb: string;
  bookingDb: string;
  pricingDb: string;
  /** Consul's address, for gRPC clients that resolve `consul:///<service>`; none in static mode. */
  consul?: string;
  /** Every process of the mesh by name (schedule, pricing, search, booking, bff), for cpuTimes. */
  processes: Array<{ name: string; pid: number }>;
  stop(): Promise<void>;
}

const SERVICE_ENV = {
  SCHEDULE_START_DATE: TEST_START_DATE,
  SEARCH_START_DATE: TEST_START_DATE,
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  METRICS_PORT: '0',
};

/** BENCH_PROFILE_DIR=dir: every service writes a V8 CPU profile there when it stops. */
const profile = process.env.BENCH_PROFILE_DIR
  ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
  : [];

/** One service as `npm start` runs it (the compiled JavaScript, its V8 and malloc settings). */
function start(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, meshProcessArgs(entry, { nodeOptions: profile }), {
    cwd: ROOT,
    env: { ...MALLOC_ENV, ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not ready within ${timeoutMs} ms`);
}

/**
 * Starts schedule, pricing, search, booking (as many schedule and booking instances as `shape`
 * says) and the BFF on new databases, all registered in `consul`; resolves when Consul reports
 * every instance passing and the BFF is ready. Without `consul` (static mode: plaintext, static
 * peer addresses) it resolves when the BFF is ready, which means every peer answers its health.
 */
export async function startMesh(
  consul: ConsulAgent | undefined,
  shape: MeshShape,
): Promise<BenchMesh> {
  const tag = randomUUID().replaceAll('-', '').slice(0, 8);
  const dbs = {
    schedule: `bench_schedule_${tag}`,
    pricing: `bench_pricing_${tag}`,
    booking: `bench_booking_${tag}`,
  };
  for (const name of Object.values(dbs)) await adminQuery(`CREATE DATABASE ${name}`);
  const children: ChildProcess[] = [];
  const processes: BenchMesh['processes'] = [];
  // Static mode: every instance on a port picked here, every peer named by its addresses.
  const ports: Record<string, number[]> = {};
  for (const [name, count] of Object.entries({ ...shape, pricing: 1, search: 1 })) {
    ports[name] = [];
    for (let i = 0; i < count; i++) ports[name]!.push(consul ? 0 : await freePort());
  }
  const list = (name: string) => ports[name]!.map((p) => `127.0.0.1:${p}`).join(',');
  const common = {
    ...SERVICE_ENV,
    ...(consul
      ? { CONSUL_HTTP_ADDR: consul.address }
      : {
          SCHEDULE_ADDR: list('schedule'),
          PRICING_ADDR: list('pricing'),
          SEARCH_ADDR: list('search'),
          BOOKING_ADDR: list('booking'),
        }),
  };
  const service = (name: keyof typeof dbs | 'search', count: number) => {
    for (let i = 0; i < count; i++) {
      const child = start(`services/${name}/main.ts`, {
        ...common,
        PORT: String(ports[name]![i]),
        ...(name === 'search' ? {} : { DATABASE_URL: databaseUrl(dbs[name]) }),
      });
      children.push(child);
      processes.push({ name, pid: child.pid! });
    }
  };
  const passing = async (name: string, count: number) =>
    !consul ||
    (await consul.get<unknown[]>(`/v1/health/service/${name}?passing=true`)).length >= count;
  const stop = async () => {
    for (const child of children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    for (const name of Object.values(dbs))
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  try {
    service('schedule', shape.schedule);
    await until('schedule', () => passing('schedule', shape.schedule));
    service('pricing', 1);
    service('booking', shape.booking);
    service('search', 1);
    await until('pricing, booking, search', async () =>
      (
        await Promise.all([
          passing('pricing', 1),
          passing('booking', shape.booking),
          passing('search', 1),
        ])
      ).every(Boolean),
    );
    const bffPort = await freePort();
    const bff = start('bff/main.ts', {
      ...common,
      PORT: String(bffPort),
      // A load test, not a 429 test; and a shared test key instead of the identity service.
      RATE_LIMIT_PER_MINUTE: '100000000',
      JWT_SECRET: DEV_JWT_SECRET,
    });
    children.push(bff);
    processes.push({ name: 'bff', pid: bff.pid! });
    const bffUrl = `http://127.0.0.1:${bffPort}`;
    await until('bff', async () => (await fetch(`${bffUrl}/readyz`)).status === 200);
    return {
      bffUrl,
      scheduleDb: databaseUrl(dbs.schedule),
      bookingDb: databaseUrl(dbs.booking),
      pricingDb: databaseUrl(dbs.pricing),
      ...(consul
        ? { consul: consul.address }
        : {
            addresses: {
              schedule: list('schedule'),
              pricing: list('pricing'),
              booking: list('booking'),
            },
          }),
      processes,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** CPU time (user + system) of a process so far, in ms; 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    // /proc/<pid>/stat: fields 14 and 15 (after the parenthesised command) are utime and stime,
    // in clock ticks (USER_HZ, 100 a second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** What the mesh has used so far: CPU time by process, transactions by database. */
export interface Usage {
  /**
   * CPU time (user + system) in ms by process name (instances of a service added up) and, as
   * `postgres`, of the PostgreSQL backends connected to the mesh's databases now (the pools'
   * sessions; not other databases' sessions on the same server, nor PostgreSQL's background
   * processes: WAL writer, checkpointer). Two samples around a run, divided by the bookings
   * made, give the CPU one booking costs, which a loaded machine does not inflate the way it
   * inflates latency.
   */
  cpuMs: Map<string, number>;
  /**
   * Transactions committed (pg_stat_database.xact_commit) by database: schedule, pricing,
   * booking. A statement outside BEGIN … COMMIT is a transaction of its own.
   */
  commits: Map<string, number>;
}

export async function usage(mesh: BenchMesh): Promise<Usage> {
  const cpu = new Map<string, number>();
  for (const { name, pid } of mesh.processes) cpu.set(name, (cpu.get(name) ?? 0) + cpuMs(pid));
  const dbs = { schedule: mesh.scheduleDb, pricing: mesh.pricingDb, booking: mesh.bookingDb };
  const names = new Map(Object.entries(dbs).map(([k, u]) => [new URL(u).pathname.slice(1), k]));
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const backends = await admin.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()',
      [[...names.keys()]],
    );
    cpu.set(
      'postgres',
      backends.rows.reduce((n, r) => n + cpuMs(r.pid), 0),
    );
    const stats = await admin.query<{ datname: string; commits: string }>(
      'SELECT datname, xact_commit AS commits FROM pg_stat_database WHERE datname = ANY($1)',
      [[...names.keys()]],
    );
    const commits = new Map(stats.rows.map((r) => [names.get(r.datname)!, Number(r.commits)]));
    return { cpuMs: cpu, commits };
  } finally {
    await admin.end();
  }
}

export interface Invariants {
  /** Cabins with more seats sold and held than they have (the CHECK makes this impossible). */
  oversold: number;
  /** Flights whose sold seats differ from the seats of their CONFIRMED bookings. */
  soldMismatches: number;
  /** Seats sold, and seats of CONFIRMED bookings, over all flights. */
  seatsSold: number;
  seatsConfirmed: number;
  /** Bookings still PENDING (or with their saga unfinished) once settled. */
  pending: number;
  /** Holds still HELD once settled (nobody confirmed or released them). */
  liveHolds: number;
  /** Sagas claimed more than once (taken over, or retried after a transient failure). */
  reclaimed: number;
}

/**
 * Waits (up to `settleMs`) for every saga to finish, then checks: no cabin oversold, seats sold
 * per flight == seats of CONFIRMED bookings on it, nothing PENDING, no live hold.
 */
export async function checkInvariants(mesh: BenchMesh, settleMs = 60_000): Promise<Invariants> {
  const booking = new pg.Client({ connectionString: mesh.bookingDb });
  const schedule = new pg.Client({ connectionString: mesh.scheduleDb });
  await booking.connect();
  await schedule.connect();
  try {
    const unfinished = async () =>
      Number(
        (
          await booking.query(
            "SELECT count(*) AS n FROM bookings WHERE step <> 'DONE' OR status = 'PENDING'",
          )
        ).rows[0].n,
      );
    const end = Date.now() + settleMs;
    while ((await unfinished()) > 0 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 250));
    const confirmed = new Map<string, number>();
    const { rows } = await booking.query<{ flight_id: string; seats: string }>(
      `SELECT item->>'flightId' AS flight_id, sum((item->>'seats')::int) AS seats
       FROM bookings, jsonb_array_elements(body->'holdItems') AS item
       WHERE status = 'CONFIRMED' GROUP BY 1`,
    );
    for (const r of rows) confirmed.set(r.flight_id, Number(r.seats));
    const inventory = (
      await schedule.query<{ flight_id: string; sold: number; held: number; capacity: number }>(
        'SELECT flight_id, sum(sold)::int AS sold, sum(held)::int AS held, sum(capacity)::int AS capacity FROM inventory GROUP BY 1',
      )
    ).rows;
    const oversold = Number(
      (await schedule.query('SELECT count(*) AS n FROM inventory WHERE sold + held > capacity'))
        .rows[0].n,
    );
    const flights = new Set([...confirmed.keys(), ...inventory.map((i) => i.flight_id)]);
    const sold = new Map(inventory.map((i) => [i.flight_id, i.sold]));
    let soldMismatches = 0;
    for (const f of flights) if ((sold.get(f) ?? 0) !== (confirmed.get(f) ?? 0)) soldMismatches++;
    const liveHolds = Number(
      (await schedule.query("SELECT count(*) AS n FROM holds WHERE status = 'HELD'")).rows[0].n,
    );
    return {
      oversold,
      soldMismatches,
      seatsSold: inventory.reduce((n, i) => n + i.sold, 0),
      seatsConfirmed: [...confirmed.values()].reduce((n, s) => n + s, 0),
      pending: await unfinished(),
      liveHolds,
      reclaimed: Number(
        (await booking.query('SELECT count(*) AS n FROM bookings WHERE lease_epoch > 1')).rows[0].n,
      ),
    };
  } finally {
    await booking.end();
    await schedule.end();
  }
}
