import type { CabinCode } from '../../../flights/codes.js';

export type CabinLayout = Record<CabinCode, number>;

/**
 * Typical seat maps by aircraft family (IATA equipment codes as in OpenFlights routes). Real
 * layouts vary by airline; these are representative so capacity and load factors are realistic.
 */
const FAMILIES: Array<{ codes: string[]; layout: CabinLayout }> = [
  {
    codes: ['380', '388'],
    layout: { first: 14, business: 76, premium_economy: 44, economy: 350 },
  },
  {
    codes: ['744', '747', '74H', '74E', '748', '74Y'],
    layout: { first: 14, business: 52, premium_economy: 30, economy: 250 },
  },
  {
    codes: ['777', '772', '773', '77W', '77L', '778', '779', '77X'],
    layout: { first: 8, business: 42, premium_economy: 24, economy: 270 },
  },
  {
    codes: [
      '787',
      '788',
      '789',
      '781',
      '350',
      '359',
      '351',
      '330',
      '332',
      '333',
      '338',
      '339',
      '340',
      '342',
      '343',
      '345',
      '346',
      '767',
      '762',
      '763',
      '764',
      '76W',
      '76X',
      'IL9',
      'M11',
    ],
    layout: { first: 0, business: 30, premium_economy: 21, economy: 210 },
  },
  {
    codes: [
      '318',
      '319',
      '320',
      '321',
      '32A',
      '32B',
      '32N',
      '32Q',
      '31N',
      '737',
      '733',
      '734',
      '735',
      '736',
      '738',
      '739',
      '73C',
      '73G',
      '73H',
      '73W',
      '73M',
      '7M8',
      '7M9',
      '757',
      '752',
      '753',
      '75W',
      '717',
      'M80',
      'M81',
      'M82',
      'M83',
      'M87',
      'M88',
      'M90',
      'TU5',
      'YK2',
      'SU9',
      '221',
      '223',
      '100',
    ],
    layout: { first: 0, business: 12, premium_economy: 0, economy: 150 },
  },
];

const REGIONAL: CabinLayout = { first: 0, business: 0, premium_economy: 0, economy: 70 };

const BY_CODE = new Map(FAMILIES.flatMap((f) => f.codes.map((code) => [code, f.layout] as const)));

/** Seats per cabin for an aircraft type; unknown and small types fly an all-economy cabin. */
export function cabinLayout(aircraft: string): CabinLayout {
  return BY_CODE.get(aircraft) ?? REGIONAL;
}

/** When a route lists no equipment, pick a type that can fly the distance. */
export function defaultAircraft(distanceKm: number): string {
  if (distanceKm > 9000) return '77W';
  if (distanceKm > 4500) return '789';
  if (distanceKm > 900) return '320';
  return 'E90';
}
