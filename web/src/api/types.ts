/**
 * The API's shapes, straight from the BFF's own zod schemas (type-only: nothing of zod reaches
 * the bundle), so the front end and the contract cannot drift apart silently.
 */
export type {
  AirportJson as Airport,
  BookingBody,
  BookingJson as Booking,
  FlightJson as Flight,
  ItineraryJson as Itinerary,
  MoneyJson as Money,
  PriceJson as Price,
  ProblemJson as Problem,
  QuoteJson as Quote,
  SearchSummaryJson as SearchSummary,
  SegmentJson as Segment,
} from '../../../bff/schemas.js';

export const CABINS = ['economy', 'premium_economy', 'business', 'first'] as const;
export type Cabin = (typeof CABINS)[number];
export const CABIN_LABELS: Record<Cabin, string> = {
  economy: 'Economy',
  premium_economy: 'Premium economy',
  business: 'Business',
  first: 'First',
};
export type PassengerType = 'adult' | 'child' | 'infant';
