/**
 * The fare model: pure arithmetic on integer minor units, no gRPC, no clock of its own.
 * services/pricing/README.md explains it with a worked example.
 */

import type { CabinCode, PassengerKind } from '../../../flights/codes.js';

/** One currency for the whole network; amounts are cents (ISO-4217 exponent 2). */
export const CURRENCY = 'USD';

export interface PassengerMix {
  adults: number;
  children: number;
  infants: number;
}

export interface SegmentFacts {
  distanceKm: number;
  /** (sold + held) / capacity of the cabin, 0..1. */
  loadFactor: number;
  departure: Date;
}

export interface FareBucket {
  code: string;
  /** Load factor below which this bucket is sold. */
  below: number;
  /** Multiplier on the base fare, as a percentage. */
  percent: number;
}

/** Cheap buckets sell first; as the cabin fills, only dearer ones are left. */
export const FARE_BUCKETS: readonly FareBucket[] = [
  { code: 'L', below: 0.5, percent: 85 },
  { code: 'M', below: 0.7, percent: 100 },
  { code: 'H', below: 0.85, percent: 125 },
  { code: 'Y', below: 0.95, percent: 160 },
  { code: 'Q', below: Number.POSITIVE_INFINITY, percent: 220 },
];

/** Base fare per adult for one segment, in cents: a flat part plus a rate per kilometre. */
export const BASE = { flat: 4_900, perKm: 9 } as const;

export const CABIN_PERCENT: Record<CabinCode, number> = {
  economy: 100,
  premium_economy: 160,
  business: 350,
  first: 550,
};

/** Booking early is cheaper; the last days before departure are dearest. */
export const ADVANCE_PURCHASE: ReadonlyArray<{ minDays: number; percent: number }> = [
  { minDays: 60, percent: 90 },
  { minDays: 21, percent: 100 },
  { minDays: 7, percent: 115 },
  { minDays: 2, percent: 130 },
  { minDays: 0, percent: 150 },
];

/** Share of the adult fare each passenger type pays (an infant flies on a lap). */
export const PASSENGER_PERCENT: Record<PassengerKind, number> = {
  adult: 100,
  child: 75,
  infant: 10,
};

/** Per departure, per seated passenger (infants exempt). */
export const DEPARTURE_CHARGE = 2_500;
/** Percentage tax on base fares, in basis points (7.5 %). */
export const TAX_BASIS_POINTS = 750;
/** Per booking, once. */
export const SERVICE_FEE = 500;

export type LineKind = 'base_fare' | 'tax' | 'fee';

export interface PriceLine {
  kind: LineKind;
  code: string;
  description: string;
  passenger: PassengerKind | null;
  /** Index of the segment, or -1 for a line of the whole itinerary. */
  segmentIndex: number;
  unitAmount: number;
  quantity: number;
  amount: number;
}

export interface Price {
  currency: string;
  total: number;
  lines: PriceLine[];
  fareBuckets: string[];
}

/**
 * Rounding is defined once: half up to a whole cent, applied to each unit price. Lines are
 * unit × quantity and the total is the sum of the lines, so the breakdown always adds up.
 */
export const roundMinor = (amount: number): number => Math.floor(amount + 0.5);

export function fareBucket(loadFactor: number): FareBucket {
  const lf = Math.min(1, Math.max(0, loadFactor));
  return FARE_BUCKETS.find((b) => lf < b.below) ?? FARE_BUCKETS[FARE_BUCKETS.length - 1]!;
}

export function advancePurchasePercent(departure: Date, now: Date): number {
  const days = Math.floor((departure.getTime() - now.getTime()) / 86_400_000);
  return (
    ADVANCE_PURCHASE.find((a) => days >= a.minDays) ??
    ADVANCE_PURCHASE[ADVANCE_PURCHASE.length - 1]!
  ).percent;
}

/** The adult base fare of one segment, before passenger-type shares. */
export function adultSegmentFare(segment: SegmentFacts, cabin: CabinCode, now: Date): number {
  const base = BASE.flat + BASE.perKm * Math.max(0, segment.distanceKm);
  return roundMinor(
    (base *
      CABIN_PERCENT[cabin] *
      fareBucket(segment.loadFactor).percent *
      advancePurchasePercent(segment.departure, now)) /
      1_000_000,
  );
}

const KINDS: Array<[PassengerKind, keyof PassengerMix]> = [
  ['adult', 'adults'],
  ['child', 'children'],
  ['infant', 'infants'],
];

function line(l: Omit<PriceLine, 'amount'>): PriceLine {
  return { ...l, amount: l.unitAmount * l.quantity };
}

/** Prices an itinerary: per segment and passenger type, then taxes and fees, summed. */
export function priceItinerary(input: {
  segments: SegmentFacts[];
  cabin: CabinCode;
  passengers: PassengerMix;
  now: Date;
}): Price {
  const lines: PriceLine[] = [];
  const fareBuckets: string[] = [];
  input.segments.forEach((segment, segmentIndex) => {
    fareBuckets.push(fareBucket(segment.loadFactor).code);
    const adultFare = adultSegmentFare(segment, input.cabin, input.now);
    for (const [passenger, key] of KINDS) {
      const quantity = input.passengers[key];
      if (quantity <= 0) continue;
      const unit = roundMinor((adultFare * PASSENGER_PERCENT[passenger]) / 100);
      lines.push(
        line({
          kind: 'base_fare',
          code: 'FARE',
          description: `Fare, segment ${segmentIndex + 1}`,
          passenger,
          segmentIndex,
          unitAmount: unit,
          quantity,
        }),
        line({
          kind: 'tax',
          code: 'VAT',
          description: 'Tax on fare (7.5%)',
          passenger,
          segmentIndex,
          unitAmount: roundMinor((unit * TAX_BASIS_POINTS) / 10_000),
          quantity,
        }),
      );
      if (passenger !== 'infant')
        lines.push(
          line({
            kind: 'tax',
            code: 'DEP',
            description: 'Departure charge',
            passenger,
            segmentIndex,
            unitAmount: DEPARTURE_CHARGE,
            quantity,
          }),
        );
    }
  });
  lines.push(
    line({
      kind: 'fee',
      code: 'SVC',
      description: 'Service fee',
      passenger: null,
      segmentIndex: -1,
      unitAmount: SERVICE_FEE,
      quantity: 1,
    }),
  );
  return {
    currency: CURRENCY,
    total: lines.reduce((sum, l) => sum + l.amount, 0),
    lines,
    fareBuckets,
  };
}
