import { describe, expect, it } from 'vitest';
import { cabinLayout } from './aircraft.js';
import { cabinAvailability } from './availability.js';

describe('cabin availability', () => {
  const widebody = cabinLayout('789');

  it('lists the cabins the aircraft has, untouched cabins with every seat free', () => {
    const cabins = cabinAvailability({ cabins: widebody, status: 'SCHEDULED' }, [
      { cabin: 'business', capacity: widebody.business, sold: 10, held: 5 },
    ]);
    expect(cabins.map((c) => c.cabin)).toEqual(['economy', 'premium_economy', 'business']);
    expect(cabins[0]).toEqual({
      cabin: 'economy',
      capacity: widebody.economy,
      sold: 0,
      held: 0,
      available: widebody.economy,
    });
    expect(cabins[2]).toEqual({
      cabin: 'business',
      capacity: widebody.business,
      sold: 10,
      held: 5,
      available: widebody.business - 15,
    });
  });

  it('offers no seats on a cancelled flight but still counts sold and held ones', () => {
    const cabins = cabinAvailability({ cabins: widebody, status: 'CANCELLED' }, [
      { cabin: 'economy', capacity: widebody.economy, sold: 3, held: 1 },
    ]);
    expect(cabins.every((c) => c.available === 0)).toBe(true);
    expect(cabins[0]).toMatchObject({ sold: 3, held: 1 });
  });
});
