import { isResponseSerializationError } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { responseSerializer } from './response-serializer.js';
import { booking } from './schemas.js';

const serializerOf = (schema: z.ZodType) =>
  responseSerializer({ schema, method: 'GET', url: '/x', httpStatus: '200' });

const segment = {
  flightId: 'F1',
  flightNumber: 'BA117',
  carrier: 'BA',
  origin: 'LHR',
  destination: 'JFK',
  departure: '2026-12-03T08:25:00+00:00',
  arrival: '2026-12-03T11:25:00-05:00',
  durationMinutes: 480,
  distanceKm: 5540,
  aircraft: '777',
};
const money = { amount: 53037, currency: 'USD' };
const aBooking: z.output<typeof booking> = {
  reference: 'ABC123',
  status: 'confirmed',
  quoteId: 'q1',
  segments: [segment],
  cabin: 'economy',
  passengers: [{ givenName: 'Ada', familyName: 'L', type: 'adult', dateOfBirth: '1985-12-10' }],
  contactEmail: 'ada@example.com',
  price: {
    total: money,
    fareBuckets: ['Y'],
    lines: [
      {
        kind: 'fare',
        code: 'Y',
        description: 'fare',
        passengerType: 'adult',
        segmentIndex: 0,
        unitAmount: money,
        quantity: 1,
        amount: money,
      },
    ],
  },
  failureReason: null,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: null,
};

describe('response serializer (zod schema, checked by compiled JSON Schema)', () => {
  it('writes what zod wrote: the same JSON, properties the schema does not name left out', () => {
    const serialize = serializerOf(booking);
    expect(serialize(structuredClone(aBooking))).toBe(JSON.stringify(z.encode(booking, aBooking)));
    const leaky = { ...structuredClone(aBooking), internal: 'x' };
    leaky.segments[0] = { ...segment, secret: 1 } as typeof segment;
    expect(JSON.parse(serialize(leaky))).toEqual(aBooking);
    // Open maps stay open.
    expect(serializerOf(z.record(z.string(), z.string()))({ a: 'x' })).toBe('{"a":"x"}');
  });

  it('refuses a response that does not match, naming the field (the error handler answers 500)', () => {
    const err = (() => {
      try {
        serializerOf(booking)({ ...structuredClone(aBooking), status: 'weird' });
      } catch (e) {
        return e;
      }
    })();
    expect(isResponseSerializationError(err)).toBe(true);
    expect((err as { cause: z.ZodError }).cause.issues[0]!.path).toEqual(['status']);
  });
});
