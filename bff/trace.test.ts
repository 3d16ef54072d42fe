/**
 * Trace topology of one booking made through the BFF: one trace, BFF → booking → pricing and
 * booking → schedule, seen by an in-memory exporter. Everything runs in this test process, so
 * the instrumentations are registered first and @grpc/grpc-js and node:http are required right
 * after, before anything imports them (the order platform/telemetry/register.ts gives a real
 * process, without an ESM loader hook); hence the dynamic imports.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDate } from '../test/support/dates.js';
import { rawHttp } from '../test/support/http.js';

const { SpanKind } = await import('@opentelemetry/api');
const { registerInstrumentations } = await import('@opentelemetry/instrumentation');
const { GrpcInstrumentation } = await import('@opentelemetry/instrumentation-grpc');
const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
const { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } =
  await import('@opentelemetry/sdk-trace-node');

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
// The instrumentations platform/telemetry/tracing.ts installs in every process.
registerInstrumentations({
  instrumentations: [
    new GrpcInstrumentation(),
    new HttpInstrumentation({ ignoreOutgoingRequestHook: () => true }),
  ],
});
const require = createRequire(import.meta.url);
for (const patched of ['@grpc/grpc-js', 'node:http', 'node:https']) require(patched);

const { startBff } = await import('../test/support/bff.js');
const { startBooking } = await import('../test/support/booking.js');
const { startPricing } = await import('../test/support/pricing.js');
const { startSchedule } = await import('../test/support/schedule.js');
/** Not the first day of the window: a flight there may be past its sales cut-off today. */
const TRAVEL_DATE = testDate(2);

type Fixture = { stop(): Promise<void> };
let schedule: Awaited<ReturnType<typeof startSchedule>>;
let pricing: Awaited<ReturnType<typeof startPricing>>;
let booking: Awaited<ReturnType<typeof startBooking>>;
let bff: Awaited<ReturnType<typeof startBff>>;

beforeAll(async () => {
  schedule = await startSchedule('embedded');
  pricing = await startPricing(schedule.address, { store: 'embedded' });
  booking = await startBooking(
    { schedule: schedule.address, pricing: pricing.address },
    { store: 'embedded' },
  );
  bff = await startBff(
    { schedule: schedule.address, pricing: pricing.address, booking: booking.address },
    { BOOKING_TIMEOUT_MS: '30000', READ_TIMEOUT_MS: '20000' },
  );
});

afterAll(async () => {
  for (const f of [bff, booking, pricing, schedule] as Fixture[]) await f?.stop();
  await provider.shutdown();
});

describe('tracing through the BFF', () => {
  it('makes one trace of a booking: BFF → booking → pricing, booking → schedule', async () => {
    let flightId: string | undefined;
    for await (const r of schedule.client.listFlights({
      origin: 'JFK',
      destination: 'LHR',
      fromDate: TRAVEL_DATE,
      toDate: TRAVEL_DATE,
      includeCancelled: false,
    }))
      flightId ??= r.flight?.flightId;
    expect(flightId).toBeDefined();
    const quote = await fetch(`${bff.url}/api/v1/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ flightIds: [flightId], passengers: { adults: 1 }, cabin: 'economy' }),
    });
    expect(quote.status, await quote.clone().text()).toBe(201);
    const { id: quoteId } = (await quote.json()) as { id: string };

    exporter.reset();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await fetch(`${bff.url}/api/v1/bookings`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await bff.token('alice')}`,
        'idempotency-key': 'traced-1',
        traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      },
      body: JSON.stringify({
        quoteId,
        passengers: [
          { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' },
        ],
        contactEmail: 'ada@example.com',
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(res.headers.get('x-trace-id')).toBe(traceId);

    // The HTTP server span ends when the response is written; give the last spans a moment.
    await new Promise((r) => setTimeout(r, 200));
    const all = exporter.getFinishedSpans();
    const describeAll = () =>
      all.map((s) => `${s.name} kind=${s.kind} trace=${s.spanContext().traceId}`).join('\n');
    // Background work (booking's recovery sweep) may trace on its own; nothing of this
    // booking may land outside the caller's trace.
    const spans = all.filter((s) => s.spanContext().traceId === traceId);
    const bookingCalls = /CreateBooking|ConfirmQuote|HoldSeats|ConfirmHold/;
    expect(
      all.filter((s) => s.spanContext().traceId !== traceId && bookingCalls.test(s.name)),
      describeAll(),
    ).toEqual([]);

    const find = (kind: number, name: string, parent?: { spanContext(): { spanId: string } }) => {
      const span = spans.find(
        (s) =>
          s.kind === kind &&
          s.name.includes(name) &&
          (!parent || s.parentSpanContext?.spanId === parent.spanContext().spanId),
      );
      expect(span, `${name} (kind ${kind})\n${describeAll()}`).toBeDefined();
      return span!;
    };
    const http = find(SpanKind.SERVER, 'POST');
    expect(http.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    const toBooking = find(SpanKind.CLIENT, 'BookingService/CreateBooking', http);
    const inBooking = find(SpanKind.SERVER, 'BookingService/CreateBooking', toBooking);
    const toPricing = find(SpanKind.CLIENT, 'PricingService/ConfirmQuote', inBooking);
    find(SpanKind.SERVER, 'PricingService/ConfirmQuote', toPricing);
    const toSchedule = find(SpanKind.CLIENT, 'ScheduleService/HoldSeats', inBooking);
    find(SpanKind.SERVER, 'ScheduleService/HoldSeats', toSchedule);
    // Held and sold in that one call (HoldSeats with confirm): no ConfirmHold follows.
    expect(
      spans.filter((s) => s.name.includes('ConfirmHold')),
      describeAll(),
    ).toEqual([]);
  });

  it('traces a request Node hands over as an unmet expectation, as any other', async () => {
    exporter.reset();
    const answer = await rawHttp(
      bff.url,
      'GET /api/v1/airports?q=lon HTTP/1.1\r\nhost: x\r\nexpect: foo\r\nconnection: close\r\n\r\n',
    );
    expect(answer.status).toBe(417);
    expect(answer.headers['x-trace-id']).toMatch(/^[0-9a-f]{32}$/);
    await provider.forceFlush();
    const server = exporter
      .getFinishedSpans()
      .find(
        (s) =>
          s.kind === SpanKind.SERVER && s.spanContext().traceId === answer.headers['x-trace-id'],
      );
    expect(
      server?.attributes['http.response.status_code'] ?? server?.attributes['http.status_code'],
    ).toBe(417);
  });
});
