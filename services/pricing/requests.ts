/** The requests pricing accepts, one schema per RPC: what handlers validate before anything else. */
import { z } from 'zod';
import { fields, orEmpty, text } from '../../flights/fields.js';

/** Itineraries per PriceItineraries call (search batches its candidates). */
export const MAX_BATCH = 500;

const itineraryFlights = z
  .array(fields.flightId)
  .min(1, 'must name at least one flight')
  .max(3, 'must be at most 3 flights (2 stops)')
  // A flight twice is no journey: named here rather than as "VS7 lands at LHR, VS7 leaves JFK"
  // by the connection rule, which a newcomer took for a timetable problem.
  .superRefine((ids, ctx) => {
    ids.forEach((id, i) => {
      if (ids.indexOf(id) < i)
        ctx.addIssue({ code: 'custom', path: [i], message: `is listed twice (${id})` });
    });
  });

export const priceItineraries = z.object({
  itineraries: z
    .array(
      z.object({
        key: text().max(200, 'must be at most 200 characters'),
        flightIds: itineraryFlights,
      }),
    )
    .min(1, 'must contain at least one itinerary')
    .max(MAX_BATCH, `must be at most ${MAX_BATCH} itineraries`)
    // Each answer carries its itinerary's key and nothing else: a key used twice (or none)
    // leaves answers the caller cannot tell apart.
    .superRefine((itineraries, ctx) => {
      const seen = new Set<string>();
      itineraries.forEach(({ key }, i) => {
        if (!key) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: 'is required' });
        else if (seen.has(key))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'key'],
            message: 'is used by another itinerary',
          });
        seen.add(key);
      });
    }),
  passengers: fields.passengers,
  cabin: fields.cabin,
  // What search knows of the flights (optional, per flight): checked like schedule's own.
  flights: z
    .array(
      z.object({
        flightId: fields.flightId,
        departureTime: z.date({ error: 'is required' }),
        distanceKm: z.number().int().min(1, 'must be at least 1'),
        aircraftCode: text().regex(
          /^[A-Z0-9]{1,8}$/,
          'must be an IATA aircraft type code like 77W',
        ),
      }),
    )
    .max(MAX_BATCH * 3, `must be at most ${MAX_BATCH * 3} flights`),
});

export const createQuote = z.object({
  flightIds: itineraryFlights,
  passengers: fields.passengers,
  cabin: fields.cabin,
  requestId: orEmpty(fields.clientId),
});

/** GetQuote and ConfirmQuote. */
export const quoteRef = z.object({
  quoteId: fields.quoteId,
});
