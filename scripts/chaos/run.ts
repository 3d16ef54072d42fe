/**
 * One chaos run: the cluster up, customers booking through the BFF, and meanwhile every few
 * seconds one fault on a random schedule, pricing or booking instance — SIGKILL and restart,
 * SIGSTOP for a few seconds then SIGCONT, or a KV fault flag on and off — then the mesh is left
 * to settle and the invariants are checked.
 */
import { loadConfig } from '../../platform/config.js';
import { FAULTS_KV_PREFIX } from '../../platform/faults.js';
import { DEV_JWT_SECRET, signDevToken } from '../../bff/auth.js';
import { bffEnv } from '../../bff/config.js';
import { startCluster, type Instance } from './cluster.js';
import { runChecks, waitSettled, type Check } from './checks.js';
import { runLoad } from './load.js';

export interface ChaosOptions {
  /** How long bookings are made (and faults injected), in ms. */
  durationMs: number;
  clients: number;
  /** Time between faults, in ms. */
  faultEveryMs: number;
  log(line: string): void;
}

export interface ChaosResult {
  checks: Check[];
  bookings: number;
  confirmed: number;
  faults: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inject(instance: Instance, kind: number, consul: string): Promise<string> {
  if (kind === 0) {
    await instance.killAndRestart();
    return `SIGKILL+restart ${instance.name}`;
  }
  if (kind === 1) {
    instance.pause();
    await sleep(3_000 + Math.floor(Math.random() * 3_000));
    instance.resume();
    return `SIGSTOP/SIGCONT ${instance.name}`;
  }
  const key = `${consul}/v1/kv/${FAULTS_KV_PREFIX}/${instance.service}/*`;
  await fetch(key, { method: 'PUT', body: '{"delayMs":1500,"code":"UNAVAILABLE","ratio":0.3}' });
  await sleep(4_000);
  await fetch(key, { method: 'DELETE' });
  return `KV fault on ${instance.service} for 4 s`;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const startDate = new Date().toISOString().slice(0, 10);
  options.log(`starting the mesh (PostgreSQL, Consul, 2× schedule, pricing, booking) …`);
  const cluster = await startCluster(startDate);
  try {
    const bffConfig = loadConfig(bffEnv, { JWT_SECRET: DEV_JWT_SECRET });
    const tokens = new Map<string, Promise<string>>();
    const token = (c: string) => {
      if (!tokens.has(c)) tokens.set(c, signDevToken(c, bffConfig));
      return tokens.get(c)!;
    };
    const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const found = (await (
      await fetch(
        `${cluster.bffUrl}/api/v1/search?origin=JFK&destination=LHR&date=${day}&maxStops=0&adults=1&cabin=economy`,
      )
    ).json()) as { itineraries?: Array<{ segments: Array<{ flightId: string }> }> };
    const flights = (found.itineraries ?? []).map((i) => i.segments[0]!.flightId).slice(0, 3);
    if (!flights.length) throw new Error('no JFK→LHR flight found to sell');
    options.log(`selling seats on ${flights.join(', ')} for ${options.durationMs / 1000} s`);

    const until = Date.now() + options.durationMs;
    const faults: string[] = [];
    // booking-1, schedule-1, pricing-1, booking-2, …: each service in turn, and (below) each
    // fault kind in turn per service, so even a short run kills a booking instance first.
    const order = ['booking', 'schedule', 'pricing'];
    const targets = [0, 1].flatMap((k) =>
      order.map((s) => cluster.instances.filter((i) => i.service === s)[k]!),
    );
    const chaos = (async () => {
      for (let n = 0; Date.now() < until - options.faultEveryMs; n++) {
        await sleep(options.faultEveryMs);
        const target = targets[n % targets.length]!;
        const done = await inject(target, (n + Math.floor(n / 3)) % 3, cluster.consul.address);
        faults.push(done);
        options.log(`fault: ${done}`);
      }
    })();
    const records = await runLoad({
      bffUrl: cluster.bffUrl,
      flights,
      token,
      until,
      clients: options.clients,
      requestTimeoutMs: 20_000,
      maxAttempts: 8,
    });
    await chaos;
    options.log(`load done: ${records.length} bookings; waiting for the mesh to settle …`);
    const urls = {
      schedule: cluster.databases.schedule.url,
      booking: cluster.databases.booking.url,
    };
    await waitSettled(urls, 90_000);
    // Read back as each owner; a 429 (the BFF's rate limit) or 5xx is retried after Retry-After.
    const checks = await runChecks(urls, records, async (customer, reference) => {
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(`${cluster.bffUrl}/api/v1/bookings/${reference}`, {
          headers: { authorization: `Bearer ${await token(customer)}` },
        });
        const json = (await res.json().catch(() => ({}))) as { status?: unknown };
        if ((res.status === 429 || res.status >= 500) && attempt < 20) {
          await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
          continue;
        }
        return { status: res.status, bookingStatus: String(json.status ?? '').toLowerCase() };
      }
    });
    return {
      checks,
      bookings: records.filter((r) => r.attempts.length).length,
      confirmed: records.filter((r) => r.outcome === 'confirmed').length,
      faults,
    };
  } finally {
    await cluster.stop();
  }
}
