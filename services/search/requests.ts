import { z } from 'zod';
import { SortOrder } from '../../gen/ts/flights/v1/search.js';
import { fields, protoEnum } from '../../flights/fields.js';

/** The most itineraries one search may ask for. */
export const MAX_RESULTS = 200;

/** SearchItineraries: a field that breaks a rule is INVALID_ARGUMENT naming it. */
export const searchItinerariesRequest = z
  .object({
    origin: fields.iataCode,
    destination: fields.iataCode,
    departureDate: fields.localDate,
    passengers: fields.passengers,
    cabin: fields.cabin,
    maxStops: z.number().int().min(0).max(2, 'must be 0, 1 or 2'),
    sort: protoEnum(SortOrder),
    maxResults: z.number().int().min(0).max(MAX_RESULTS, `must be at most ${MAX_RESULTS}`),
  })
  .refine((r) => r.origin !== r.destination, {
    path: ['destination'],
    message: 'must differ from origin',
  });

export type SearchItinerariesRequest = z.infer<typeof searchItinerariesRequest>;
