import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import { createClient, type ServiceClient } from '../platform/clients.js';
import { ConsulCertificates } from '../platform/connect-ca.js';
import { useConsul } from '../platform/consul.js';
import { createLogger } from '../platform/logger.js';
import { meshChannelCredentials } from '../platform/mtls.js';
import { startConsul, waitPassing, type ConsulAgent } from './support/consul.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { freePort, jsonLines, spawnEntry, type Spawned } from './support/processes.js';
import { TEST_START_DATE } from './support/schedule.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Instance {
  port: number;
  id: string;
  proc: Spawned;
  /** Calls this instance has served, from its own per-call log lines. */
  served(): number;
}

/**
 * Discovery with a real Consul agent in dev mode and real schedule processes: registration,
 * deregistration, client-side balancing over `consul:///schedule`, failover and agent restarts.
 */
describe('consul discovery', () => {
  let consul: ConsulAgent;
  let db: TestDatabase;
  let client: ServiceClient<typeof ScheduleServiceService>;
  let certs: ConsulCertificates | undefined;
  const instances: Instance[] = [];

  async function startInstance(port?: number, checkInterval = '500ms'): Promise<Instance> {
    port ??= await freePort();
    const proc = spawnEntry('services/schedule/main.ts', {
      PORT: String(port),
      SERVICE_HOST: '127.0.0.1',
      CONSUL_HTTP_ADDR: consul.address,
      CONSUL_CHECK_INTERVAL: checkInterval,
      DATABASE_URL: db.url,
      SCHEDULE_START_DATE: TEST_START_DATE,
      SHUTDOWN_GRACE_MS: '2000',
    });
    await proc.waitForLine((l) => l.includes('registered in consul'));
    const instance: Instance = {
      port,
      id: `schedule-127.0.0.1-${port}`,
      proc,
      served: () =>
        jsonLines(proc.lines).filter((l) => l.method === '/flights.v1.ScheduleService/GetAirport')
          .length,
    };
    instances.push(instance);
    return instance;
  }

  /** Idempotent calls in a steady stream until stopped; counts successes and failures. */
  function steadyCalls() {
    let running = true;
    const outcome = { ok: 0, failed: [] as string[] };
    const done = (async () => {
      while (running) {
        await client.getAirport({ iataCode: 'JFK' }, { deadlineMs: 5_000 }).then(
          () => outcome.ok++,
          (err: Error) => outcome.failed.push(err.message),
        );
        await sleep(10);
      }
    })();
    return {
      outcome,
      async stop() {
        running = false;
        await done;
        return outcome;
      },
    };
  }

  beforeAll(async () => {
    consul = await startConsul();
    db = await createTestDatabase('discovery_test');
    useConsul(consul.address);
    // With Consul the services speak mTLS only: the test calls as a mesh client with a leaf
    // from the agent's CA (the dev agent's intentions default to allow).
    certs = new ConsulCertificates(
      consul.address,
      'discovery-test',
      createLogger('test', 'silent'),
    );
    await certs.start();
    client = createClient(ScheduleServiceService, {
      target: 'consul:///schedule',
      defaultDeadlineMs: 5_000,
      credentials: meshChannelCredentials(certs, 'schedule'),
      channelOptions: { 'grpc.ssl_target_name_override': 'schedule' },
    });
  });
  afterAll(async () => {
    client?.close();
    certs?.close();
    await Promise.all(instances.map((i) => i.proc.stop('SIGKILL')));
    await consul?.stop();
    await db?.drop();
  });

  it('registers an instance with a passing gRPC health check, and deregisters it on SIGTERM', async () => {
    const a = await startInstance();
    const [entry] = await waitPassing(consul, 'schedule', (list) =>
      list.some((i) => i.Service.ID === a.id),
    );
    expect(entry!.Service).toMatchObject({
      Address: '127.0.0.1',
      Port: a.port,
      Meta: { protocol: 'grpc' },
    });
    expect(entry!.Service.Meta.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(entry!.Checks.find((c) => c.Type === 'grpc')?.Status).toBe('passing');

    expect((await a.proc.stop('SIGTERM')).code).toBe(0);
    const services = await consul.get<Record<string, unknown>>('/v1/agent/services');
    expect(Object.keys(services)).not.toContain(a.id);
    const messages = jsonLines(a.proc.lines).map((l) => l.msg);
    // Deregistered before the server drained and stopped.
    expect(messages.indexOf('deregistered from consul'), messages.join(' | ')).toBeLessThan(
      messages.indexOf('grpc server stopped'),
    );
  });

  it('registers only once serving, and as passing: callers need not wait for the first probe', async () => {
    // A probe a minute apart: passing at once can only come from the registration itself.
    const a = await startInstance(undefined, '60s');
    const entries = await consul.get<
      Array<{ Service: { ID: string }; Checks: Array<{ Type: string; Status: string }> }>
    >('/v1/health/service/schedule?passing=true');
    const mine = entries.find((e) => e.Service.ID === a.id);
    expect(mine?.Checks.find((c) => c.Type === 'grpc')?.Status).toBe('passing');
    const messages = jsonLines(a.proc.lines).map((l) => l.msg);
    // Not listed while it was NOT_SERVING: registered after it said it was serving.
    expect(messages.indexOf('ready: serving'), messages.join(' | ')).toBeGreaterThan(-1);
    expect(messages.indexOf('registered in consul')).toBeGreaterThan(
      messages.indexOf('ready: serving'),
    );
    expect((await a.proc.stop('SIGTERM')).code).toBe(0);
  });

  it('a restart on the same port after a SIGKILL owns the entry it finds, and deregisters it', async () => {
    const killed = await startInstance();
    await killed.proc.stop('SIGKILL');
    // Its entry is still there (critical soon, removed much later): the restart takes it over.
    const again = await startInstance(killed.port);
    expect(again.id).toBe(killed.id);
    expect((await again.proc.stop('SIGTERM')).code).toBe(0);
    expect(jsonLines(again.proc.lines).map((l) => l.msg)).toContain('deregistered from consul');
    const services = await consul.get<Record<string, unknown>>('/v1/agent/services');
    expect(Object.keys(services)).not.toContain(again.id);
  });

  it('balances over two instances, survives a SIGKILL of one, and picks up a third', async () => {
    const b = await startInstance();
    const c = await startInstance();
    await waitPassing(consul, 'schedule', (list) =>
      [b.id, c.id].every((id) => list.some((i) => i.Service.ID === id)),
    );

    for (let i = 0; i < 40; i++) await client.getAirport({ iataCode: 'JFK' });
    expect(b.served()).toBeGreaterThan(5);
    expect(c.served()).toBeGreaterThan(5);

    const stream = steadyCalls();
    await sleep(500);
    await b.proc.stop('SIGKILL');
    // The killed instance turns critical and leaves the passing set.
    await waitPassing(
      consul,
      'schedule',
      (list) => !list.some((i) => i.Service.ID === b.id) && list.length === 1,
    );
    const checks = await consul.get<Array<{ ServiceID: string; Status: string }>>(
      '/v1/health/checks/schedule',
    );
    expect(checks.find((ch) => ch.ServiceID === b.id)?.Status).toBe('critical');

    const servedByC = c.served();
    await sleep(1_000);
    expect(c.served()).toBeGreaterThan(servedByC);

    const d = await startInstance();
    const registeredAt = Date.now();
    while (d.served() === 0 && Date.now() - registeredAt < 15_000) await sleep(50);
    const outcome = await stream.stop();
    expect(d.served()).toBeGreaterThan(0);
    console.info(
      `third instance: first call ${Date.now() - registeredAt} ms after it registered; ${outcome.ok} calls ok, ${outcome.failed.length} failed`,
    );
    expect(outcome.failed).toEqual([]);
  });

  it('keeps routing while the agent restarts and picks up registrations when it returns', async () => {
    const stream = steadyCalls();
    await consul.stop();
    await sleep(1_500);
    const during = stream.outcome.ok;
    await sleep(1_000);
    expect(stream.outcome.ok, stream.outcome.failed.slice(-3).join(' | ')).toBeGreaterThan(during);

    await consul.restart();
    // The dev agent came back empty: running instances register again on their own...
    const survivors = instances.filter(
      (i) => i.proc.child.exitCode === null && i.proc.child.signalCode === null,
    );
    await waitPassing(consul, 'schedule', (list) =>
      survivors.every((s) => list.some((i) => i.Service.ID === s.id)),
    );
    // ...and a new instance is found and called.
    const e = await startInstance();
    await waitPassing(consul, 'schedule', (list) => list.some((i) => i.Service.ID === e.id));
    const started = Date.now();
    while (e.served() === 0 && Date.now() - started < 15_000) await sleep(50);
    expect(e.served()).toBeGreaterThan(0);
    // A restarted dev agent also comes back with a new CA and trust domain (a real server keeps
    // its CA in raft), so connections made while each side switches to the new certificates are
    // refused for a moment; once both have them, every call goes through again.
    // Converges: wait (bounded) for a full second of calls with no failure among them.
    let switching = stream.outcome.failed.length;
    for (const until = Date.now() + 60_000; Date.now() < until;) {
      switching = stream.outcome.failed.length;
      const ok = stream.outcome.ok;
      await sleep(1_000);
      if (stream.outcome.failed.length === switching && stream.outcome.ok > ok) break;
    }
    const outcome = await stream.stop();
    expect(outcome.failed.slice(switching)).toEqual([]);
    for (const failure of outcome.failed)
      expect(failure).toMatch(/UNAUTHENTICATED|UNAVAILABLE|PERMISSION_DENIED/);
  });

  it('fails fast with a clear message on a malformed CONSUL_HTTP_ADDR', async () => {
    const proc = spawnEntry('services/schedule/main.ts', {
      PORT: String(await freePort()),
      CONSUL_HTTP_ADDR: 'consul:eighty',
    });
    const { code } = await proc.exited;
    expect(code).toBe(2);
    expect(proc.lines.join('\n')).toMatch(/CONSUL_HTTP_ADDR: expected host:port/);
  });
});
