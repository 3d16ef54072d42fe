import {
  PassengerType,
  PriceLine_Kind,
  type PriceBreakdown,
} from '../../gen/ts/flights/v1/common.js';
import { passengerTypeProto } from '../../flights/enums.js';
import type { LineKind, Price } from './domain/fare-model.js';

const KIND: Record<LineKind, PriceLine_Kind> = {
  base_fare: PriceLine_Kind.KIND_BASE_FARE,
  tax: PriceLine_Kind.KIND_TAX,
  fee: PriceLine_Kind.KIND_FEE,
};

export function toPriceProto(price: Price): PriceBreakdown {
  const money = (amountMinor: number) => ({ currency: price.currency, amountMinor });
  return {
    total: money(price.total),
    lines: price.lines.map((l) => ({
      kind: KIND[l.kind],
      code: l.code,
      description: l.description,
      passengerType: l.passenger
        ? passengerTypeProto(l.passenger)
        : PassengerType.PASSENGER_TYPE_UNSPECIFIED,
      segmentIndex: l.segmentIndex,
      unitAmount: money(l.unitAmount),
      quantity: l.quantity,
      amount: money(l.amount),
    })),
    fareBuckets: price.fareBuckets,
  };
}
