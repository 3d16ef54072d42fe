/**
 * Issue 14 item 4 over gRPC, for every string field of every request of every flights.v1 RPC,
 * found by walking the contracts (the descriptor set), not listed by hand: a new RPC or field is
 * covered the day it is added. Each field in turn carries a control character (U+0000), a lone
 * surrogate (which a client's UTF-8 encoder turns into U+FFFD) and a byte that is not UTF-8 (which
 * the server's decoder turns into U+FFFD); the service must answer INVALID_ARGUMENT naming that
 * field, with the text rule's description, and stay up — against real services on PostgreSQL and
 * on the embedded store.
 */
import { readFileSync } from 'node:fs';
import {
  create,
  createFileRegistry,
  fromBinary,
  ScalarType,
  toBinary,
  type DescMessage,
} from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { credentials, Client, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorDetails } from '../platform/errors.js';
import { startBooking } from './support/booking.js';
import { startPricing } from './support/pricing.js';
import { ROOT } from './support/processes.js';
import { startSchedule, type StoreKind } from './support/schedule.js';
import { startSearch } from './support/search.js';

const registry = createFileRegistry(
  fromBinary(FileDescriptorSetSchema, readFileSync(`${ROOT}/gen/descriptors.binpb`)),
);

/** A string field somewhere in a request: its proto path ("items[0].flight_id") and how to set it. */
interface StringField {
  path: string;
  /** The request's init object with `value` at this field (lists get one element). */
  init(value: string): Record<string, unknown>;
}

function stringFields(message: DescMessage, depth = 0): StringField[] {
  const out: StringField[] = [];
  if (depth > 4 || message.typeName.startsWith('google.')) return out;
  for (const field of message.fields) {
    const wrap = (inner: (v: string) => unknown) => (v: string) => ({
      [field.localName]: inner(v),
    });
    if (field.fieldKind === 'scalar' && field.scalar === ScalarType.STRING)
      out.push({ path: field.name, init: wrap((v) => v) });
    else if (
      field.fieldKind === 'list' &&
      field.listKind === 'scalar' &&
      field.scalar === ScalarType.STRING
    )
      out.push({ path: `${field.name}[0]`, init: wrap((v) => [v]) });
    else if (
      field.fieldKind === 'message' ||
      (field.fieldKind === 'list' && field.listKind === 'message')
    ) {
      const list = field.fieldKind === 'list';
      for (const inner of stringFields(field.message!, depth + 1))
        out.push({
          path: `${field.name}${list ? '[0]' : ''}.${inner.path}`,
          init: wrap((v) => (list ? [inner.init(v)] : inner.init(v))),
        });
    }
  }
  return out;
}

interface Rpc {
  service: string;
  path: string;
  serverStreaming: boolean;
  input: DescMessage;
}

const rpcs: Rpc[] = [];
for (const file of registry.files)
  for (const service of file.services)
    if (service.typeName.startsWith('flights.v1.'))
      for (const method of service.methods)
        rpcs.push({
          service: service.name.replace(/Service$/, '').toLowerCase(),
          path: `/${service.typeName}/${method.name}`,
          serverStreaming: method.methodKind === 'server_streaming',
          input: method.input,
        });

/** A marker whose bytes are found in the encoded request and made invalid UTF-8 there. */
const MARKER = 'ZQ\u0001QZ';
const POISONS: { what: string; value: string; bytes?: (b: Buffer) => Buffer }[] = [
  { what: 'U+0000', value: 'ab\u0000c' },
  { what: 'a lone surrogate', value: 'ab\uD800c' },
  {
    what: 'a byte that is not UTF-8',
    value: MARKER,
    bytes: (b) => {
      const at = b.indexOf(Buffer.from(MARKER));
      const out = Buffer.from(b);
      out[at + 2] = 0xff;
      return out;
    },
  },
];

/** Calls one RPC with raw bytes; resolves with the error it answers, or null when it succeeds. */
function call(client: Client, rpc: Rpc, request: Buffer): Promise<ServiceError | null> {
  const identity = (b: Buffer) => b;
  const deadline = Date.now() + 10_000;
  return new Promise((resolve) => {
    if (!rpc.serverStreaming) {
      client.makeUnaryRequest(rpc.path, identity, identity, request, { deadline }, (err) =>
        resolve(err ?? null),
      );
      return;
    }
    const stream = client.makeServerStreamRequest(rpc.path, identity, identity, request, {
      deadline,
    });
    stream.on('data', () => stream.cancel());
    stream.on('error', (err: ServiceError) => resolve(err.code === status.CANCELLED ? null : err));
    stream.on('end', () => resolve(null));
  });
}

describe.each<StoreKind>(['postgres', 'embedded'])('every text field over gRPC (%s)', (store) => {
  const parts: { stop(): Promise<void> }[] = [];
  const clients = new Map<string, Client>();

  beforeAll(async () => {
    const schedule = await startSchedule(store);
    parts.push(schedule);
    const pricing = await startPricing(schedule.address, { store });
    parts.push(pricing);
    const peers = { schedule: schedule.address, pricing: pricing.address };
    const search = await startSearch(peers, { SEARCH_DAYS: '1' });
    parts.push(search);
    const booking = await startBooking(peers, { store });
    parts.push(booking);
    for (const [name, address] of [
      ['schedule', schedule.address],
      ['pricing', pricing.address],
      ['search', search.address],
      ['booking', booking.address],
    ])
      clients.set(name!, new Client(address!, credentials.createInsecure()));
  });
  afterAll(async () => {
    for (const c of clients.values()) c.close();
    for (const part of parts.reverse()) await part.stop();
  });

  it('walks every RPC of the contracts and finds their string fields', () => {
    expect(rpcs.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        '/flights.v1.BookingService/CreateBooking',
        '/flights.v1.PricingService/PriceItineraries',
        '/flights.v1.ScheduleService/ListAirports',
        '/flights.v1.SearchService/SearchItineraries',
      ]),
    );
    const create = rpcs.find((r) => r.path.endsWith('/CreateBooking'))!;
    expect(stringFields(create.input).map((f) => f.path)).toEqual(
      expect.arrayContaining(['passengers[0].given_name', 'contact_email', 'idempotency_key']),
    );
  });

  it('refuses control characters and text that is not UTF-8 in every string field, naming it', async () => {
    let checked = 0;
    for (const rpc of rpcs) {
      const client = clients.get(rpc.service);
      expect(client, rpc.service).toBeDefined();
      for (const field of stringFields(rpc.input)) {
        for (const poison of POISONS) {
          let bytes: Buffer = Buffer.from(
            toBinary(rpc.input, create(rpc.input, field.init(poison.value))),
          );
          if (poison.bytes) bytes = poison.bytes(bytes);
          const err = await call(client!, rpc, bytes);
          const where = `${rpc.path} ${field.path} with ${poison.what}`;
          expect(err, where).not.toBeNull();
          const d = errorDetails(err);
          expect(d.code, where).toBe(status.INVALID_ARGUMENT);
          expect(d.reason, where).toBe('INVALID_FIELD');
          const violation = d.fieldViolations.find((v) => v.field === field.path);
          expect(violation?.description, `${where}: ${JSON.stringify(d.fieldViolations)}`).toMatch(
            /^must (not contain control characters|be well-formed Unicode)/,
          );
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
