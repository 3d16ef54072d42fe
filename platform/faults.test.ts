import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ScheduleServiceService } from '../gen/ts/flights/v1/schedule.js';
import { startConsul, type ConsulAgent } from '../test/support/consul.js';
import { capturingLogger } from '../test/support/logs.js';
import { createClient, type ServiceClient } from './clients.js';
import { ConsulCertificates } from './connect-ca.js';
import { ConfigError } from './config.js';
import { errorDetails } from './errors.js';
import * as grpc from '@grpc/grpc-js';
import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  FAULTS_KV_PREFIX,
  faultInterceptor,
  FaultTable,
  methodNames,
  parseFault,
  watchFaults,
} from './faults.js';
import { createLogger } from './logger.js';
import { meshChannelCredentials } from './mtls.js';
import { bind, type Handlers } from './server.js';
import { startService, type RunningService } from './service.js';

type Schedule = typeof ScheduleServiceService;

const MESH = {
  services: { faulty: { port: 0, addrEnv: 'FAULTY_ADDR', fullName: 'flights.v1.ScheduleService' } },
  errors: {
    domain: 'test.v1',
    invalidArgument: 'INVALID',
    unspecified: 'UNSPECIFIED',
    dependencyUnavailable: 'PEER_DOWN',
  },
};

/** A real service whose GetHold and GetFlight answer at once, counting the calls they handle. */
function faultyService() {
  const handled = { getHold: 0, getFlight: 0 };
  const handlers: Record<string, unknown> = {};
  for (const key of Object.keys(ScheduleServiceService))
    handlers[key] = async () => Promise.reject(new Error(key));
  handlers.getHold = async () => {
    handled.getHold++;
    return { hold: undefined };
  };
  handlers.getFlight = async () => {
    handled.getFlight++;
    return { flight: undefined };
  };
  const spec = {
    mesh: MESH,
    name: 'faulty' as const,
    start: async () => ({
      bindings: [bind(ScheduleServiceService, handlers as Handlers<Schedule>)],
    }),
  };
  return { spec, handled };
}

async function started(env: Record<string, string>, certs?: ConsulCertificates) {
  const { spec, handled } = faultyService();
  const running = await startService(spec, { PORT: '0', LOG_LEVEL: 'silent', ...env });
  // With Consul the service speaks mTLS only: call it as a mesh client with a leaf from the
  // agent's CA (the dev agent's intentions default to allow).
  const client = createClient(ScheduleServiceService, {
    target: `dns:///127.0.0.1:${running.port}`,
    defaultDeadlineMs: 10_000,
    ...(certs && {
      credentials: meshChannelCredentials(certs, 'faulty'),
      channelOptions: { 'grpc.ssl_target_name_override': 'faulty' },
    }),
  });
  return { running, client, handled };
}

const outcome = (call: Promise<unknown>) =>
  call.then(
    () => 'OK',
    (err: unknown) => status[errorDetails(err).code],
  );

describe('fault flags from the environment', () => {
  it('fails the flagged method with its code and leaves the others alone', async () => {
    const { running, client, handled } = await started({
      FAULTS: '{"GetHold":{"code":"UNAVAILABLE"}}',
    });
    try {
      const err = await client.getHold({ holdId: 'h' }).catch((e: unknown) => errorDetails(e));
      expect(err).toMatchObject({ code: status.UNAVAILABLE });
      expect((err as { message: string }).message).toMatch(/injected fault: UNAVAILABLE/);
      expect(handled.getHold).toBe(0);
      expect(await outcome(client.getFlight({ flightId: 'f' }))).toBe('OK');
      expect(handled.getFlight).toBe(1);
    } finally {
      client.close();
      await running.stop();
    }
  });

  it('refuses to start on a flag that does not parse, naming FAULTS', async () => {
    const { spec } = faultyService();
    const start = startService(spec, {
      PORT: '0',
      LOG_LEVEL: 'silent',
      FAULTS: '{"GetHold":{"code":"NOT_A_CODE"}}',
    });
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(/FAULTS/);
  });
});

describe('parseFault', () => {
  it('refuses a flag that would do nothing or the wrong thing: code OK, a misspelt key', () => {
    // Each message says what would be accepted (zod's own said "Invalid input").
    const code =
      'code: must be a gRPC status name other than OK (UNAVAILABLE, …) or its number, 1–16';
    expect(() => parseFault('{"code": "OK"}')).toThrow(code);
    expect(() => parseFault('{"code": 0}')).toThrow(code);
    expect(() => parseFault('{"code": "unavailable"}')).toThrow(code);
    expect(() => parseFault('{"delayMS": 500}')).toThrow(
      /^delayMS: is not a field of a flag \(delayMs, code, ratio\)$/,
    );
    expect(() => parseFault('{"delayMs": -1, "ratio": 2}')).toThrow(
      /^delayMs: must be 0 or more; ratio: must be a number from 0 to 1$/,
    );
    expect(() => parseFault('{"delayMs": "2s"}')).toThrow(
      /^delayMs: must be a number of milliseconds$/,
    );
    expect(() => parseFault('[1]')).toThrow(
      /^the flag: must be a JSON object with delayMs, code, ratio/,
    );
    expect(() => parseFault('{delayMs: 5}')).toThrow(/^the flag: is not JSON/);
    expect(parseFault('{"delayMs": 500, "code": "UNAVAILABLE", "ratio": 0.5}')).toEqual({
      delayMs: 500,
      code: status.UNAVAILABLE,
      ratio: 0.5,
    });
  });
});

describe('methodNames', () => {
  it('names each method of a service as its call path ends (HoldSeats, not holdSeats)', () => {
    const names = methodNames([bind(ScheduleServiceService, {} as Handlers<Schedule>)]);
    expect(names).toContain('HoldSeats');
    expect(names).toContain('GetHold');
    expect(names).not.toContain('holdSeats');
    expect(names).toHaveLength(Object.keys(ScheduleServiceService).length);
  });
});

describe('FaultTable', () => {
  it("ignores, with a warning naming the service's methods, a flag for a method it does not have", () => {
    const { log, lines } = capturingLogger();
    const table = new FaultTable({}, ['GetHold', 'GetFlight'], log);
    const flag = parseFault('{"delayMs": 5}');
    // Misspelt, in camelCase, another service's: each was "fault flags set", and never applied.
    const taken = table.replace({ GetHold: flag, CreateQuot: flag, getFlight: flag, '*': flag });
    expect(Object.keys(taken)).toEqual(['GetHold', '*']);
    expect(table.size).toBe(2);
    expect(lines.map((l) => [l.msg, l.methods])).toEqual([
      ['fault flag ignored: this service has no method CreateQuot', ['GetHold', 'GetFlight']],
      ['fault flag ignored: this service has no method getFlight', ['GetHold', 'GetFlight']],
    ]);
  });
});

describe('faultInterceptor', () => {
  it('logs each fault it applies (method, delay, code), and nothing for calls it lets through', async () => {
    const { log, lines } = capturingLogger();
    const table = new FaultTable({
      GetHold: parseFault('{"delayMs": 30, "code": "FAILED_PRECONDITION"}'),
      GetFlight: parseFault('{"delayMs": 20}'),
    });
    const server = new grpc.Server({ interceptors: [faultInterceptor(table, log)] });
    const handlers: Record<string, grpc.handleUnaryCall<unknown, unknown>> = {};
    for (const key of Object.keys(ScheduleServiceService))
      handlers[key] = (_call, callback) => callback(null, {});
    server.addService(ScheduleServiceService as unknown as grpc.ServiceDefinition, handlers);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const client = createClient(ScheduleServiceService, {
      target: `dns:///127.0.0.1:${port}`,
      defaultDeadlineMs: 5_000,
    });
    try {
      // The caller's trace, as the gRPC instrumentation sends it (W3C traceparent, read by the
      // propagator platform/telemetry/tracing.ts installs).
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const traced = new grpc.Metadata();
      traced.set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`);
      expect(await outcome(client.getHold({ holdId: 'h' }, { metadata: traced }))).toBe(
        'FAILED_PRECONDITION',
      );
      expect(await outcome(client.getFlight({ flightId: 'f' }))).toBe('OK');
      expect(await outcome(client.getAirport({ iataCode: 'JFK' }))).toBe('OK');
      const faults = lines.filter((l) => l.msg === 'fault injected');
      expect(
        faults.map(({ method, delay_ms, code, trace_id }) => ({
          method,
          delay_ms,
          code,
          trace_id,
        })),
      ).toEqual([
        {
          method: '/flights.v1.ScheduleService/GetHold',
          delay_ms: 30,
          code: 'FAILED_PRECONDITION',
          trace_id: traceId,
        },
        {
          method: '/flights.v1.ScheduleService/GetFlight',
          delay_ms: 20,
          code: undefined,
          trace_id: undefined,
        },
      ]);
    } finally {
      propagation.disable();
      client.close();
      server.forceShutdown();
    }
  });
});

describe('fault flags in Consul KV, with a real agent', () => {
  let consul: ConsulAgent;
  let certs: ConsulCertificates;
  let running: RunningService;
  let client: ServiceClient<Schedule>;
  let handled: { getHold: number; getFlight: number };
  const key = (method: string) => `${FAULTS_KV_PREFIX}/faulty/${method}`;
  const put = async (method: string, value: string) => {
    const res = await fetch(`${consul.address}/v1/kv/${key(method)}`, {
      method: 'PUT',
      body: value,
    });
    expect(res.ok).toBe(true);
  };
  const remove = (method: string) =>
    fetch(`${consul.address}/v1/kv/${key(method)}`, { method: 'DELETE' });

  beforeAll(async () => {
    consul = await startConsul();
    certs = new ConsulCertificates(consul.address, 'faults-test', createLogger('t', 'silent'));
    await certs.start();
    ({ running, client, handled } = await started({ CONSUL_HTTP_ADDR: consul.address }, certs));
  });
  afterAll(async () => {
    client?.close();
    certs?.close();
    await running?.stop();
    await consul?.stop();
  });

  it('is off by default', async () => {
    expect(await outcome(client.getHold({ holdId: 'h' }))).toBe('OK');
  });

  it('logs a change of its own flags once, and nothing for writes elsewhere in KV', async () => {
    const { log, lines } = capturingLogger();
    const table = new FaultTable();
    const stop = watchFaults(consul.address, 'quiet', table, log);
    const said = () => lines.filter((l) => /fault flags/.test(String(l.msg))).map((l) => l.msg);
    try {
      await vi.waitFor(() => expect(said()).toEqual(['no fault flags']), { timeout: 10_000 });
      // Another service's flags wake this watch too (Consul's index is the table's).
      for (let i = 0; i < 3; i++) await put('GetHold', `{"delayMs":${i}}`);
      const res = await fetch(`${consul.address}/v1/kv/${FAULTS_KV_PREFIX}/quiet/GetFlight`, {
        method: 'PUT',
        body: '{"delayMs":5}',
      });
      expect(res.ok).toBe(true);
      await vi.waitFor(() => expect(table.size).toBe(1), { timeout: 10_000 });
      expect(said()).toEqual(['no fault flags', 'fault flags set']);
    } finally {
      stop();
      await fetch(`${consul.address}/v1/kv/${FAULTS_KV_PREFIX}/quiet?recurse`, {
        method: 'DELETE',
      });
      await remove('GetHold');
    }
  });

  it('applies a flag put in KV and lifts it when the key is deleted, without a restart', async () => {
    await put('GetHold', '{"code":"RESOURCE_EXHAUSTED","ratio":1}');
    await vi.waitFor(
      async () => expect(await outcome(client.getHold({ holdId: 'h' }))).toBe('RESOURCE_EXHAUSTED'),
      { timeout: 10_000, interval: 50 },
    );
    // Other methods are untouched.
    expect(await outcome(client.getFlight({ flightId: 'f' }))).toBe('OK');
    await remove('GetHold');
    await vi.waitFor(
      async () => expect(await outcome(client.getHold({ holdId: 'h' }))).toBe('OK'),
      { timeout: 10_000, interval: 50 },
    );
  });

  it('delays calls: a delay longer than the caller’s deadline ends it DEADLINE_EXCEEDED', async () => {
    await put('*', '{"delayMs":600000}');
    await vi.waitFor(
      async () =>
        expect(await outcome(client.getFlight({ flightId: 'f' }, { deadlineMs: 200 }))).toBe(
          'DEADLINE_EXCEEDED',
        ),
      { timeout: 10_000, interval: 50 },
    );
    const before = handled.getFlight;
    expect(await outcome(client.getFlight({ flightId: 'f' }, { deadlineMs: 200 }))).toBe(
      'DEADLINE_EXCEEDED',
    );
    expect(handled.getFlight).toBe(before); // the handler never ran
    await remove('*');
    // Each probe has its own short deadline: a probe sent before the watch has seen the delete
    // is delayed and must not use up the whole wait (CI once failed here on a 10 s probe).
    await vi.waitFor(
      async () =>
        expect(await outcome(client.getFlight({ flightId: 'f' }, { deadlineMs: 500 }))).toBe('OK'),
      { timeout: 10_000, interval: 50 },
    );
  });

  it('applies a flag to none of the calls at ratio 0, and ignores a flag that does not parse', async () => {
    await put('GetFlight', '{"code":"ABORTED","ratio":0}');
    await put('GetHold', 'not json');
    await put('ListAirports', '{"code":"INTERNAL"}'); // a marker: seen once the watch has the batch
    await vi.waitFor(
      async () =>
        expect(await outcome(client.listAirports({ query: 'x', pageSize: 1, pageToken: '' }))).toBe(
          'INTERNAL',
        ),
      { timeout: 10_000, interval: 50 },
    );
    for (let i = 0; i < 20; i++)
      expect(await outcome(client.getFlight({ flightId: 'f' }))).toBe('OK');
    expect(await outcome(client.getHold({ holdId: 'h' }))).toBe('OK');
  });
});
