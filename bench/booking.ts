/**
 * The write path, measured against the database's own ceiling (issue 16):
 *
 *   npm run bench:booking     (BENCH_SECONDS=10 BENCH_CONNECTIONS=64, BENCH_DATABASE_URL,
 *                              BENCH_VARIANTS, BENCH_PROFILE_DIR, BENCH_STATIC=1: no Consul)
 *
 * The mesh runs on PostgreSQL databases this program makes (and drops), with a Consul dev agent,
 * every service its own process. Variants: N customers quote → book through the BFF (one
 * instance of each service); the same straight over gRPC (pricing CreateQuote → booking
 * CreateBooking); everyone on one flight until it sells out (row contention); through the BFF
 * with 2 booking and 2 schedule instances. In the same run, pgbench's simple-update with the same
 * client count gives the database's ceiling. After each variant the invariants are checked, and
 * the CPU time and transactions one confirmed booking cost (by process, by database) printed.
 */
import { execFileSync } from 'node:child_process';
import { signDevToken, DEV_JWT_SECRET } from '../bff/auth.js';
import { bffEnv } from '../bff/config.js';
import { Cabin } from '../gen/ts/flights/v1/common.js';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import { createClient } from '../platform/clients.js';
import { loadConfig } from '../platform/config.js';
import { ConsulCertificates } from '../platform/connect-ca.js';
import { useConsul } from '../platform/consul.js';
import { createLogger } from '../platform/logger.js';
import { meshChannelCredentials } from '../platform/mtls.js';
import { startConsul } from '../test/support/consul.js';
import { TEST_START_DATE } from '../test/support/schedule.js';
import { overGrpc, throughBff, type GrpcPeer, type LoadResult } from './support/booking-load.js';
import {
  checkInvariants,
  databaseUrl,
  startMesh,
  usage,
  type BenchMesh,
  type Invariants,
} from './support/booking-mesh.js';
import { percentiles } from './percentiles.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const customers = Number(process.env.BENCH_CONNECTIONS ?? 64);
const say = (line: string) => process.stdout.write(`${line}\n`);
/**
 * BENCH_VARIANTS=bff (or a comma list of bff, grpc, hot, scaled; default all): only those, for
 * quick before/after comparisons while profiling. pgbench runs only with all of them.
 */
const only = process.env.BENCH_VARIANTS?.split(',').map((v) => v.trim());
const wanted = (v: string) => !only || only.includes(v);

/** pgbench's simple-update on a fresh database: the tps PostgreSQL itself manages here. */
function pgbenchTps(): number {
  const name = `bench_pgbench_${process.pid}`;
  const url = databaseUrl(name);
  execFileSync('createdb', ['--maintenance-db', databaseUrl('postgres'), name]);
  try {
    execFileSync('pgbench', ['-i', '-q', '-s', '10', url], { stdio: 'ignore' });
    const out = execFileSync(
      'pgbench',
      ['-b', 'simple-update', '-c', String(customers), '-j', '2', '-T', String(seconds), url],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const tps = /tps = ([\d.]+)/.exec(out);
    if (!tps) throw new Error(`pgbench printed no tps:\n${out}`);
    return Number(tps[1]);
  } finally {
    execFileSync('dropdb', ['--maintenance-db', databaseUrl('postgres'), '--force', name]);
  }
}

/**
 * How the benchmark's own gRPC clients reach a service: through Consul with mTLS, presenting a
 * leaf under the BFF's name as the BFF does (the dev agent's intentions allow it), or, in static
 * mode, at the mesh's addresses in plaintext.
 */
function peer(mesh: BenchMesh, service: 'schedule' | 'pricing' | 'booking'): GrpcPeer {
  return certs
    ? { target: `consul:///${service}`, credentials: meshChannelCredentials(certs, service) }
    : { target: `ipv4:${mesh.addresses![service]}` };
}

/** Flights of a week (from the second day of the pinned schedule), with their economy seats. */
async function flightPool(mesh: BenchMesh): Promise<Array<{ flightId: string; seats: number }>> {
  const schedule = createClient(ScheduleServiceService, {
    ...peer(mesh, 'schedule'),
    defaultDeadlineMs: 60_000,
  });
  try {
    const from = new Date(Date.parse(`${TEST_START_DATE}T00:00:00Z`) + 86_400_000);
    const to = new Date(from.getTime() + 6 * 86_400_000);
    const ids: string[] = [];
    for await (const r of schedule.listFlights({
      origin: '',
      destination: '',
      fromDate: from.toISOString().slice(0, 10),
      toDate: to.toISOString().slice(0, 10),
      includeCancelled: false,
    }))
      ids.push(r.flight!.flightId);
    const pool: Array<{ flightId: string; seats: number }> = [];
    for (let i = 0; i < ids.length; i += 100) {
      const { flights } = await schedule.getAvailability({ flightIds: ids.slice(i, i + 100) });
      for (const f of flights) {
        const economy = f.cabins.find((c) => c.cabin === Cabin.CABIN_ECONOMY);
        if (economy && economy.available > 0)
          pool.push({ flightId: f.flight!.flightId, seats: economy.available });
      }
    }
    return pool;
  } finally {
    schedule.close();
  }
}

interface Row {
  variant: string;
  result: LoadResult;
  invariants: Invariants;
}
const rows: Row[] = [];

async function variant(
  name: string,
  mesh: BenchMesh,
  run: () => Promise<LoadResult>,
): Promise<Row> {
  say(`${name}…`);
  const before = await usage(mesh);
  const result = await run();
  const after = await usage(mesh);
  const invariants = await checkInvariants(mesh);
  const row = { variant: name, result, invariants };
  rows.push(row);
  say(
    `  ${result.confirmed} confirmed, ${result.pending} pending (202), ${result.soldOut} sold out in ${result.elapsedS.toFixed(1)} s` +
      (Object.keys(result.errors).length ? `; errors ${JSON.stringify(result.errors)}` : ''),
  );
  say(`  invariants ${JSON.stringify(invariants)}`);
  // What one confirmed booking (its quote included) cost, whatever the machine's load.
  const per = (a: Map<string, number>, b: Map<string, number>) =>
    [...b].map(([k, v]) => [k, (v - (a.get(k) ?? 0)) / Math.max(1, result.confirmed)] as const);
  const cpu = per(before.cpuMs, after.cpuMs);
  say(
    `  CPU ms per booking: ${cpu.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}; total ${cpu.reduce((n, [, v]) => n + v, 0).toFixed(1)}`,
  );
  say(
    `  transactions per booking: ${per(before.commits, after.commits)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ')}`,
  );
  return row;
}

say(`load ${process.env.BENCH_LOAD ?? execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
let pgTps = Number.NaN;
if (!only) {
  say(`pgbench simple-update, ${customers} clients, ${seconds} s…`);
  pgTps = pgbenchTps();
  say(`  ${pgTps.toFixed(0)} tps`);
}

/**
 * BENCH_STATIC=1: no Consul; the services find each other at static addresses and speak
 * plaintext (no mTLS, no intentions). For profiling the services' own work, or where no Consul
 * binary is at hand; the figures of record are taken with Consul.
 */
const staticMode = process.env.BENCH_STATIC === '1';
const consul = staticMode ? undefined : await startConsul();
if (consul) useConsul(consul.address);
// With Consul the services speak mTLS only: the benchmark's own gRPC clients present a leaf from
// the agent's CA under the BFF's name, as the BFF does (the dev agent's intentions allow it).
const certs =
  consul && new ConsulCertificates(consul.address, 'bff', createLogger('bench', 'silent'));
await certs?.start();
if (staticMode) say('static mode: no Consul, plaintext between the services');
const token = await signDevToken('bench', loadConfig(bffEnv, { JWT_SECRET: DEV_JWT_SECRET }));
const durationMs = seconds * 1000;
try {
  say('starting the mesh: 1 schedule, 1 pricing, 1 search, 1 booking, the BFF (PostgreSQL)…');
  let mesh = await startMesh(consul, { schedule: 1, booking: 1 });
  try {
    const pool = await flightPool(mesh);
    say(`  ${pool.length} flights to book`);
    const spread = () => pool[Math.floor(Math.random() * pool.length)]!.flightId;
    // Warm-up (not measured): code paths compiled, pools filled.
    await throughBff(mesh.bffUrl, token, {
      customers,
      durationMs: 2_000,
      pickFlight: spread,
      stopWhenSoldOut: false,
    });
    const opts = { customers, durationMs, pickFlight: spread, stopWhenSoldOut: false };
    if (wanted('bff'))
      await variant('BFF, 1 booking / 1 schedule', mesh, () =>
        throughBff(mesh.bffUrl, token, opts),
      );
    if (wanted('grpc'))
      await variant('gRPC direct, 1 / 1', mesh, () =>
        overGrpc(opts, { pricing: peer(mesh, 'pricing'), booking: peer(mesh, 'booking') }),
      );
    const hot = pool.reduce((a, b) => (b.seats > a.seats ? b : a));
    if (wanted('hot'))
      await variant(`hot flight (${hot.seats} seats), BFF, 1 / 1`, mesh, () =>
        throughBff(mesh.bffUrl, token, {
          customers,
          durationMs: 120_000,
          pickFlight: () => hot.flightId,
          stopWhenSoldOut: true,
        }),
      );
  } finally {
    await mesh.stop();
  }
  if (wanted('scaled')) {
    say('starting the mesh: 2 schedule, 1 pricing, 1 search, 2 booking, the BFF (PostgreSQL)…');
    mesh = await startMesh(consul, { schedule: 2, booking: 2 });
    try {
      const pool = await flightPool(mesh);
      const spread = () => pool[Math.floor(Math.random() * pool.length)]!.flightId;
      await variant('BFF, 2 booking / 2 schedule', mesh, () =>
        throughBff(mesh.bffUrl, token, {
          customers,
          durationMs,
          pickFlight: spread,
          stopWhenSoldOut: false,
        }),
      );
    } finally {
      await mesh.stop();
    }
  }
} finally {
  certs?.close();
  await consul?.stop();
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
say('');
say(
  `${'variant'.padEnd(34)}${pad('confirmed/s', 12)}${pad('202', 6)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('× pg tps', 10)}${pad('oversold', 10)}${pad('sold≠conf', 10)}${pad('pending', 9)}${pad('held', 6)}`,
);
const perS = (r: LoadResult) => r.confirmed / r.elapsedS;
for (const { variant: name, result, invariants: i } of rows) {
  const p = percentiles(result.bookingMs);
  say(
    `${name.padEnd(34)}${pad(perS(result).toFixed(1), 12)}${pad(result.pending, 6)}${pad(p.p50!.toFixed(1), 9)}${pad(p.p99!.toFixed(1), 9)}${pad((perS(result) / pgTps).toFixed(3), 10)}${pad(i.oversold, 10)}${pad(i.soldMismatches, 10)}${pad(i.pending, 9)}${pad(i.liveHolds, 6)}`,
  );
}
say(`${'pgbench simple-update'.padEnd(34)}${pad(pgTps.toFixed(1), 12)}`);
say('');
const row = (prefix: string) => rows.find((r) => r.variant.startsWith(prefix))?.result;
const headline = (name: string, r: LoadResult | undefined, value: (r: LoadResult) => number) => {
  if (r) say(`bench booking.${name} ${value(r).toFixed(1)}`);
};
const bff = row('BFF, 1');
headline('confirmed_per_s', bff, perS);
headline('grpc_confirmed_per_s', row('gRPC'), perS);
headline('p99_ms', bff, (r) => percentiles(r.bookingMs).p99!);
headline('hot_flight_confirmed_per_s', row('hot'), perS);
if (!only) say(`bench booking.pg_tps ${pgTps.toFixed(1)}`);
say(`bench booking.oversold ${rows.reduce((n, r) => n + r.invariants.oversold, 0)}`);
const broken = rows.filter(
  (r) =>
    r.invariants.oversold ||
    r.invariants.soldMismatches ||
    r.invariants.pending ||
    r.invariants.liveHolds,
);
if (broken.length) {
  say(`invariants broken in: ${broken.map((r) => r.variant).join(', ')}`);
  process.exitCode = 1;
}
