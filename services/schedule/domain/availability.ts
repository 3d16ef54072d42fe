import type { CabinLayout } from './aircraft.js';
import { CABIN_CODES, type CabinCode } from '../../../flights/codes.js';

/** Sold and held seats of one cabin of a flight, as the inventory counts them. */
export interface CabinSeats {
  cabin: CabinCode;
  capacity: number;
  sold: number;
  held: number;
}

/** A cabin's seats as a buyer sees them: `available` = capacity − sold − held, 0 if cancelled. */
export interface CabinAvailability {
  cabin: CabinCode;
  capacity: number;
  sold: number;
  held: number;
  available: number;
}

/**
 * The cabins a flight has, each with its seats: capacity from the aircraft's seat map, sold and
 * held from the inventory (a cabin nobody has held yet has none). A cancelled flight has no
 * seats to sell.
 */
export function cabinAvailability(
  flight: { cabins: CabinLayout; status: string },
  inventory: CabinSeats[],
): CabinAvailability[] {
  return CABIN_CODES.filter((cabin) => flight.cabins[cabin] > 0).map((cabin) => {
    const row = inventory.find((u) => u.cabin === cabin);
    const capacity = flight.cabins[cabin];
    const sold = row?.sold ?? 0;
    const held = row?.held ?? 0;
    const available = flight.status === 'CANCELLED' ? 0 : Math.max(0, capacity - sold - held);
    return { cabin, capacity, sold, held, available };
  });
}
