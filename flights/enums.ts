/** The one map between the contract's Cabin and PassengerType enums and their domain names. */
import { Cabin, PassengerType } from '../gen/ts/flights/v1/common.js';
import { CABIN_CODES, PASSENGER_KINDS, type CabinCode, type PassengerKind } from './codes.js';

const CABIN: Record<CabinCode, Cabin> = {
  economy: Cabin.CABIN_ECONOMY,
  premium_economy: Cabin.CABIN_PREMIUM_ECONOMY,
  business: Cabin.CABIN_BUSINESS,
  first: Cabin.CABIN_FIRST,
};

const PASSENGER: Record<PassengerKind, PassengerType> = {
  adult: PassengerType.PASSENGER_TYPE_ADULT,
  child: PassengerType.PASSENGER_TYPE_CHILD,
  infant: PassengerType.PASSENGER_TYPE_INFANT,
};

export const cabinProto = (code: CabinCode): Cabin => CABIN[code];

/** undefined for CABIN_UNSPECIFIED and values this build does not know. */
export const cabinCode = (cabin: Cabin): CabinCode | undefined =>
  CABIN_CODES.find((code) => CABIN[code] === cabin);

export const passengerTypeProto = (kind: PassengerKind): PassengerType => PASSENGER[kind];

/** undefined for PASSENGER_TYPE_UNSPECIFIED and values this build does not know. */
export const passengerKind = (type: PassengerType): PassengerKind | undefined =>
  PASSENGER_KINDS.find((kind) => PASSENGER[kind] === type);
