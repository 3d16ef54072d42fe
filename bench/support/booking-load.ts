/**
 * Customers for the booking benchmark: each one, in a loop, quotes a flight and books the quote
 * with a fresh Idempotency-Key, through the BFF over HTTP (keep-alive) or straight to pricing and
 * booking over gRPC. Outcomes are counted; the booking call's latency is recorded.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { status as grpcStatus, type ChannelCredentials } from '@grpc/grpc-js';
import { BookingServiceService, BookingStatus } from '../../gen/ts/flights/v1/booking.js';
import { Cabin, PassengerType } from '../../gen/ts/flights/v1/common.js';
import { PricingServiceService } from '../../gen/ts/flights/v1/pricing.js';
import { createClient } from '../../platform/clients.js';
import { errorDetails } from '../../platform/errors.js';

export interface LoadResult {
  /** Bookings answered confirmed (HTTP 201, or gRPC CONFIRMED). */
  confirmed: number;
  /** Bookings answered pending (HTTP 202): recorded, outcome not known within the budget. */
  pending: number;
  soldOut: number;
  /** Anything else, by HTTP status or gRPC code name. */
  errors: Record<string, number>;
  /** Latency of every booking call, in ms. */
  bookingMs: number[];
  /** From the first call to the last answer, in s. */
  elapsedS: number;
}

export interface LoadOptions {
  customers: number;
  /** How long customers start new bookings, in ms (the last ones are awaited). */
  durationMs: number;
  /** The flight a customer books next; null when there is nothing left to book. */
  pickFlight: () => string | null;
  /** Stop a customer at its first SOLD_OUT (the hot-flight variant). */
  stopWhenSoldOut: boolean;
}

const passengers = [
  { givenName: 'Ada', familyName: 'Lovelace', type: 'adult', dateOfBirth: '1985-12-10' },
];

/** One customer's next booking: the outcome of quote → book, and the booking call's latency. */
type Attempt = (
  flightId: string,
) => Promise<{ outcome: 'confirmed' | 'pending' | 'soldOut' | string; ms?: number }>;

async function drive(options: LoadOptions, attempt: Attempt): Promise<LoadResult> {
  const result: LoadResult = {
    confirmed: 0,
    pending: 0,
    soldOut: 0,
    errors: {},
    bookingMs: [],
    elapsedS: 0,
  };
  const started = performance.now();
  const end = Date.now() + options.durationMs;
  const customer = async () => {
    while (Date.now() < end) {
      const flightId = options.pickFlight();
      if (!flightId) return;
      const { outcome, ms } = await attempt(flightId);
      if (ms !== undefined) result.bookingMs.push(ms);
      if (outcome === 'confirmed') result.confirmed++;
      else if (outcome === 'pending') result.pending++;
      else if (outcome === 'soldOut') {
        result.soldOut++;
        if (options.stopWhenSoldOut) return;
      } else result.errors[outcome] = (result.errors[outcome] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: options.customers }, customer));
  result.elapsedS = (performance.now() - started) / 1000;
  return result;
}

/** POST a JSON body over a keep-alive agent: status and parsed body. */
function postJson(
  agent: Agent,
  url: URL,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Customers through the BFF: POST /api/v1/quotes, then POST /api/v1/bookings. */
export function throughBff(bffUrl: string, token: string, options: LoadOptions) {
  const agent = new Agent({ keepAlive: true, maxSockets: options.customers });
  const quotes = new URL('/api/v1/quotes', bffUrl);
  const bookings = new URL('/api/v1/bookings', bffUrl);
  const auth = { authorization: `Bearer ${token}` };
  return drive(options, async (flightId) => {
    try {
      const quote = await postJson(
        agent,
        quotes,
        { flightIds: [flightId], passengers: { adults: 1 }, cabin: 'economy' },
        {},
      );
      if (quote.status === 409) return { outcome: 'soldOut' };
      if (quote.status !== 201) return { outcome: `quote ${quote.status}` };
      const t0 = performance.now();
      const booked = await postJson(
        agent,
        bookings,
        { quoteId: quote.json.id, passengers, contactEmail: 'ada@example.com' },
        { ...auth, 'idempotency-key': randomUUID() },
      );
      const ms = performance.now() - t0;
      if (booked.status === 201) return { outcome: 'confirmed', ms };
      if (booked.status === 202) return { outcome: 'pending', ms };
      if (booked.status === 409 && booked.json.reason === 'SOLD_OUT')
        return { outcome: 'soldOut', ms };
      return { outcome: `booking ${booked.status} ${String(booked.json.reason ?? '')}`, ms };
    } catch (err) {
      return { outcome: `network ${(err as Error).message}` };
    }
  }).finally(() => agent.destroy());
}

/** Where a service is and how to speak to it: a grpc-js target, mTLS credentials or none. */
export interface GrpcPeer {
  target: string;
  credentials?: ChannelCredentials;
}

/** Customers straight to the services: pricing.CreateQuote, then booking.CreateBooking. */
export function overGrpc(options: LoadOptions, peers: { pricing: GrpcPeer; booking: GrpcPeer }) {
  const deadlines = { defaultDeadlineMs: 15_000 };
  const pricing = createClient(PricingServiceService, { ...peers.pricing, ...deadlines });
  const booking = createClient(BookingServiceService, { ...peers.booking, ...deadlines });
  const codeName = (code: number) => grpcStatus[code] ?? String(code);
  return drive(options, async (flightId) => {
    let quoteId: string;
    try {
      const { quote } = await pricing.createQuote({
        flightIds: [flightId],
        passengers: { adults: 1, children: 0, infants: 0 },
        cabin: Cabin.CABIN_ECONOMY,
        requestId: '',
      });
      quoteId = quote!.quoteId;
    } catch (err) {
      const d = errorDetails(err);
      return { outcome: d.reason === 'SOLD_OUT' ? 'soldOut' : `quote ${codeName(d.code)}` };
    }
    const t0 = performance.now();
    try {
      const { booking: b } = await booking.createBooking({
        idempotencyKey: randomUUID(),
        quoteId,
        customerId: 'bench-grpc',
        passengers: [{ ...passengers[0]!, type: PassengerType.PASSENGER_TYPE_ADULT }],
        contactEmail: 'ada@example.com',
      });
      const ms = performance.now() - t0;
      return {
        outcome: b!.status === BookingStatus.BOOKING_STATUS_CONFIRMED ? 'confirmed' : 'pending',
        ms,
      };
    } catch (err) {
      const ms = performance.now() - t0;
      const d = errorDetails(err);
      if (d.reason === 'SOLD_OUT') return { outcome: 'soldOut', ms };
      return { outcome: `booking ${codeName(d.code)} ${d.reason ?? ''}`, ms };
    }
  }).finally(() => {
    pricing.close();
    booking.close();
  });
}
