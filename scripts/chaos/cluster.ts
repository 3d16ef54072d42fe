/**
 * The chaos suite's mesh: a real Consul agent, one PostgreSQL database per stateful service
 * (shared by its instances), 2 instances of schedule, pricing and booking, search and the BFF,
 * each a real process on its own port, which the suite can SIGKILL and restart on the same port,
 * or SIGSTOP and SIGCONT.
 */
import { startConsul, type ConsulAgent } from '../../test/support/consul.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/postgres.js';
import { freePort, spawnEntry, type Spawned } from '../../test/support/processes.js';
import { DEV_JWT_SECRET } from '../../bff/auth.js';

export interface Instance {
  name: string;
  service: string;
  port: number;
  process: Spawned;
  /** SIGKILL, then the same instance again on the same port, resolved once it is ready. */
  killAndRestart(): Promise<void>;
  pause(): void;
  resume(): void;
}

export interface Cluster {
  consul: ConsulAgent;
  databases: Record<'schedule' | 'pricing' | 'booking', TestDatabase>;
  instances: Instance[];
  bffUrl: string;
  stop(): Promise<void>;
}

const ready = (line: string) => line.includes('ready: serving') || line.includes('listening');

async function startInstance(
  service: string,
  name: string,
  entry: string,
  env: Record<string, string>,
): Promise<Instance> {
  const port = await freePort();
  const launch = async () => {
    const p = spawnEntry(entry, { ...env, PORT: String(port), LOG_LEVEL: 'info' });
    await p.waitForLine(ready, 180_000);
    return p;
  };
  const instance: Instance = {
    name,
    service,
    port,
    process: await launch(),
    async killAndRestart() {
      await instance.process.stop('SIGKILL');
      instance.process = await launch();
    },
    pause: () => instance.process.pause(),
    resume: () => instance.process.resume(),
  };
  return instance;
}

/** The whole mesh; `startDate` pins the schedule's window so the suite knows its flights. */
export async function startCluster(startDate: string): Promise<Cluster> {
  const consul = await startConsul();
  const databases = {
    schedule: await createTestDatabase('chaos_schedule'),
    pricing: await createTestDatabase('chaos_pricing'),
    booking: await createTestDatabase('chaos_booking'),
  };
  const common = {
    CONSUL_HTTP_ADDR: consul.address,
    CONSUL_CHECK_INTERVAL: '1s',
    SHUTDOWN_GRACE_MS: '2000',
  };
  const instances: Instance[] = [];
  const stop = async () => {
    for (const i of [...instances].reverse()) {
      i.resume();
      await i.process.stop('SIGKILL');
    }
    await consul.stop();
    for (const db of Object.values(databases)) await db.drop().catch(() => {});
  };
  try {
    const scheduleEnv = {
      ...common,
      DATABASE_URL: databases.schedule.url,
      SCHEDULE_START_DATE: startDate,
      SCHEDULE_DAYS: '10',
    };
    for (const n of [1, 2])
      instances.push(
        await startInstance('schedule', `schedule-${n}`, 'services/schedule/main.ts', scheduleEnv),
      );
    for (const n of [1, 2])
      instances.push(
        await startInstance('pricing', `pricing-${n}`, 'services/pricing/main.ts', {
          ...common,
          DATABASE_URL: databases.pricing.url,
        }),
      );
    instances.push(
      await startInstance('search', 'search', 'services/search/main.ts', {
        ...common,
        SEARCH_START_DATE: startDate,
        SEARCH_DAYS: '10',
      }),
    );
    for (const n of [1, 2])
      instances.push(
        await startInstance('booking', `booking-${n}`, 'services/booking/main.ts', {
          ...common,
          DATABASE_URL: databases.booking.url,
        }),
      );
    const bff = await startInstance('bff', 'bff', 'bff/main.ts', {
      ...common,
      JWT_SECRET: DEV_JWT_SECRET,
      // Every simulated customer comes from this one address: the per-client limit would cap
      // the whole load.
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    instances.push(bff);
    return { consul, databases, instances, bffUrl: `http://127.0.0.1:${bff.port}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
